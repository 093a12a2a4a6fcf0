// The module's `abort`: Envoy provides no `env.abort` (AssemblyScript's default), so an
// assertion failure is reported through proxy_log at CRITICAL and then traps. The trap makes
// the host mark the VM failed, which is exactly what Envoy does for any trap in a callback.
import { proxy_log } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

const LOG_CRITICAL: usize = 5;

export function abortWithProxyLog(
  message: string | null,
  fileName: string | null,
  lineNumber: u32,
  columnNumber: u32,
): void {
  // Building strings here is fine: this path ends the VM.
  let text = "gatewasm abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) {
    text += " at " + fileName + ":" + lineNumber.toString() + ":" + columnNumber.toString();
  }
  const bytes = String.UTF8.encode(text);
  proxy_log(LOG_CRITICAL, changetype<usize>(bytes), <usize>bytes.byteLength);
  unreachable();
}
