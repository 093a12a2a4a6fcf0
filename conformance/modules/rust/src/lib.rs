// rust: a plugin on the proxy-wasm Rust SDK (crate proxy-wasm 0.2.5). Behaviour, checked in
// test/modules/rust-sdk.test.ts:
//   - on_vm_start logs "rust vm start"; on_configure logs "rust configured: <configuration>"
//     and refuses an empty configuration ("rust: empty configuration");
//   - every request increments counter "rust_requests_total";
//   - a path starting with "/deny" gets a local reply 403 "denied by rust" with header
//     "x-rust: denied" (and the request never reaches the upstream);
//   - other requests get "x-rust-path: <path>" and lose "x-remove-me"; the response gets
//     "x-rust-status: <:status>" and "x-rust-requests: <counter value>";
//   - on_log logs "rust log <context id> <:path or ->".
use proxy_wasm::hostcalls;
use proxy_wasm::traits::*;
use proxy_wasm::types::*;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { counter: 0 }) });
}}

struct Root {
    counter: u32,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_vm_start(&mut self, _: usize) -> bool {
        log::info!("rust vm start");
        true
    }

    fn on_configure(&mut self, _: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        if config.is_empty() {
            log::error!("rust: empty configuration");
            return false;
        }
        log::info!("rust configured: {}", String::from_utf8_lossy(&config));
        match hostcalls::define_metric(MetricType::Counter, "rust_requests_total") {
            Ok(id) => self.counter = id,
            Err(e) => log::error!("rust: define_metric: {:?}", e),
        }
        true
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream { id: context_id, counter: self.counter, path: None }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    id: u32,
    counter: u32,
    path: Option<String>,
}

impl Context for Stream {}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        if let Err(e) = hostcalls::increment_metric(self.counter, 1) {
            log::error!("rust: increment_metric: {:?}", e);
        }
        let path = self.get_http_request_header(":path").unwrap_or_default();
        self.path = Some(path.clone());
        if path.starts_with("/deny") {
            self.send_http_response(403, vec![("x-rust", "denied")], Some(b"denied by rust"));
            return Action::Pause;
        }
        self.set_http_request_header("x-remove-me", None);
        self.add_http_request_header("x-rust-path", &path);
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _: usize, _: bool) -> Action {
        let status = self.get_http_response_header(":status").unwrap_or_default();
        self.add_http_response_header("x-rust-status", &status);
        let requests = hostcalls::get_metric(self.counter).map(|v| v.to_string()).unwrap_or_else(|e| format!("{:?}", e));
        self.add_http_response_header("x-rust-requests", &requests);
        Action::Continue
    }

    fn on_log(&mut self) {
        log::info!("rust log {} {}", self.id, self.path.as_deref().unwrap_or("-"));
    }
}
