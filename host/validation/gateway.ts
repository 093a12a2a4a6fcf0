// Gateway webhook rules: istio/istio @86c9f01f pkg/config/validation/validation.go
// (ValidateGateway, validateServer, validateServerPort, validateServerBind, validateTLSOptions).

import type { FieldPath } from "../resources/types.ts";
import { isDNS1123Label, isIPAddress, validateGatewayHost } from "./names.ts";
import { arr, isObj, isSet, num, obj, portError, Report, str, type Obj } from "./report.ts";

// pkg/config/protocol/instance.go Parse (case-insensitive).
const PROTOCOLS = new Map([
  ["tcp", "TCP"], ["udp", "UDP"], ["grpc", "GRPC"], ["grpc-web", "GRPC-Web"], ["http", "HTTP"], ["http_proxy", "HTTP_PROXY"],
  ["http2", "HTTP2"], ["https", "HTTPS"], ["tls", "TLS"], ["mongo", "Mongo"], ["redis", "Redis"], ["mysql", "MySQL"],
]);
const HTTP_PROTOCOLS = new Set(["HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-Web"]);
const TLS_PROTOCOLS = new Set(["HTTPS", "TLS"]);
const UNIX_PREFIX = "unix://";

export function parseProtocol(p: string): string | undefined {
  return PROTOCOLS.get(p.toLowerCase());
}

export function validateGateway(report: Report): void {
  const name = report.resource.metadata.name;
  if (!isDNS1123Label(name)) report.error(["metadata", "name"], "gw-name", `invalid gateway name: "${name}"`);
  const spec = report.resource.spec as Obj;
  const servers = arr(spec.servers);
  if (servers.length === 0) report.error(["spec", "servers"], "gw-no-servers", "gateway must have at least one server");
  const portNames = new Map<string, number>();
  servers.forEach((raw, i) => {
    const at: FieldPath = ["spec", "servers", i];
    if (!isObj(raw)) return report.error(at, "gw-server", "server may not be nil");
    validateServer(report, raw, at);
    const port = obj(raw.port);
    if (port) {
      const portName = str(port.name);
      if (portNames.has(portName)) report.error([...at, "port", "name"], "gw-port-name-unique", `port names in servers must be unique: duplicate name ${portName}`);
      portNames.set(portName, i);
      const protocol = parseProtocol(str(port.protocol));
      if (!(protocol && HTTP_PROTOCOLS.has(protocol)) && obj(raw.tls)?.httpsRedirect === true) {
        report.warn([...at, "tls", "httpsRedirect"], "gw-https-redirect", "tls.httpsRedirect should only be used with http servers");
      }
    }
  });
}

function validateServer(report: Report, server: Obj, at: FieldPath): void {
  const hosts = arr(server.hosts);
  if (hosts.length === 0) report.error([...at, "hosts"], "gw-server-hosts", "server config must contain at least one host");
  hosts.forEach((h, i) => {
    for (const message of validateGatewayHost(str(h))) report.error([...at, "hosts", i], "gw-host", message);
  });
  // Istio's sanitizeServerHostNamespace (pilot/pkg/model/gateway.go, istio.io/istio at the
  // version conformance/istio pins) replaces the host list with ["*"] on `*/*` while still
  // iterating over the old one, and indexes past its end when a later host has a namespace:
  // istiod panics building this gateway (found by running Istio's translator on generated cases).
  const everything = hosts.findIndex((h) => str(h) === "*/*");
  const later = everything < 0 ? -1 : hosts.findIndex((h, i) => i > everything && str(h).includes("/"));
  if (later >= 0) {
    report.error([...at, "hosts", everything], "gw-host-all-namespaces-first",
      `"*/*" followed by another namespaced host (${JSON.stringify(str(hosts[later]))}) makes istiod panic (pilot/pkg/model/gateway.go sanitizeServerHostNamespace); put "*/*" last, or leave the other hosts out: "*/*" already covers them`);
  }
  const bind = str(server.bind);
  const port = obj(server.port);
  let portOk = true;
  if (!port) {
    report.error([...at, "port"], "gw-port", "port is required");
    portOk = false;
  } else {
    const protocol = parseProtocol(str(port.protocol));
    if (!protocol) {
      report.error([...at, "port", "protocol"], "gw-protocol", `invalid protocol "${str(port.protocol)}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
      portOk = false;
    }
    const number = num(port.number);
    if (number > 0 || !bind.startsWith(UNIX_PREFIX)) {
      const err = portError(number);
      if (err) {
        report.error([...at, "port", "number"], "port", err);
        portOk = false;
      }
    }
    if (num(port.targetPort) > 0) {
      report.error([...at, "port", "targetPort"], "gw-target-port", "targetPort has no impact on Gateways");
      portOk = false;
    }
    if (str(port.name) === "") {
      report.error([...at, "port", "name"], "gw-port-name", "port name must be set");
      portOk = false;
    }
  }
  if (bind.startsWith(UNIX_PREFIX)) {
    const path = bind.slice(UNIX_PREFIX.length);
    if (path === "") report.error([...at, "bind"], "gw-bind", "unix address must not be empty");
    else if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) report.error([...at, "bind"], "gw-bind", `${path} is not an absolute path to a file`);
    if (port && num(port.number) !== 0) report.error([...at, "port", "number"], "gw-bind", "port number must be 0 for unix domain socket");
  } else if (bind !== "" && !isIPAddress(bind)) {
    report.error([...at, "bind"], "gw-bind", `${bind} is not a valid IP`);
  }
  const tls = obj(server.tls);
  validateTLSOptions(report, tls, [...at, "tls"]);
  if (portOk && port) {
    const protocol = parseProtocol(str(port.protocol))!;
    if (TLS_PROTOCOLS.has(protocol) && !tls) {
      report.error([...at, "tls"], "gw-tls-required", "server must have TLS settings for HTTPS/TLS protocols");
    } else if (!TLS_PROTOCOLS.has(protocol) && tls) {
      if (HTTP_PROTOCOLS.has(protocol)) {
        // Only httpsRedirect is allowed on plaintext HTTP (gateway.IsPassThroughServer: mode unset/PASSTHROUGH).
        const passthrough = !isSet(tls.mode) || tls.mode === "PASSTHROUGH";
        if (!passthrough || str(tls.caCertificates) !== "" || str(tls.privateKey) !== "" || str(tls.serverCertificate) !== "") {
          report.error([...at, "tls"], "gw-tls-on-http", "server cannot have TLS settings for plain text HTTP ports");
        }
      } else {
        report.error([...at, "tls"], "gw-tls-on-plain", "server cannot have TLS settings for non HTTPS/TLS ports");
      }
    }
  }
}

function validateTLSOptions(report: Report, tls: Obj | undefined, at: FieldPath): void {
  if (!tls) return;
  const mode = isSet(tls.mode) ? str(tls.mode) : "PASSTHROUGH";
  const s = (k: string) => str(tls[k]);
  const n = (k: string) => arr(tls[k]).length;
  if (mode === "ISTIO_MUTUAL") {
    const forbidden: Array<[string, boolean, string]> = [
      ["serverCertificate", s("serverCertificate") !== "", "server certificate"],
      ["privateKey", s("privateKey") !== "", "private key"],
      ["caCertificates", s("caCertificates") !== "", "CA bundle"],
      ["tlsCertificates", n("tlsCertificates") > 0, "tlsCertificates"],
      ["credentialName", s("credentialName") !== "", "credentialName"],
      ["credentialNames", n("credentialNames") > 0, "credentialNames"],
    ];
    for (const [field, present, what] of forbidden) {
      if (present) report.error([...at, field], "gw-tls-istio-mutual", `ISTIO_MUTUAL TLS cannot have associated ${what}`);
    }
    return;
  }
  if (mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH") {
    if (s("caCrl") || s("serverCertificate") || s("privateKey") || s("caCertificates") || n("tlsCertificates") || s("credentialName") || n("credentialNames")) {
      report.warn(at, "gw-tls-passthrough-certs", `${mode} mode does not use certificates, they will be ignored`);
    }
  }
  let sources = 0;
  if (s("serverCertificate") !== "" && s("privateKey") !== "") sources++;
  if (s("credentialName") !== "") sources++;
  if (n("credentialNames") > 0) sources++;
  if (n("tlsCertificates") > 0) sources++;
  if (sources > 1) report.error(at, "gw-tls-cert-sources", "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified");
  const terminating = mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL";
  if (terminating && (s("credentialName") !== "" || n("credentialNames") > 0)) return; // credentials fetched remotely
  if (terminating) {
    const mutual = mode !== "SIMPLE";
    const prefix = mutual ? "MUTUAL TLS" : "SIMPLE TLS";
    if (mutual && s("caCertificates") === "") report.error(at, "gw-tls-ca", `${prefix} requires a client CA bundle`);
    if (n("tlsCertificates") > 2) report.warn([...at, "tlsCertificates"], "gw-tls-certs", `${prefix} can support up to 2 server certificates`);
    const certs = n("tlsCertificates") > 0
      ? arr(tls.tlsCertificates).map((c, i) => ({ cert: str(obj(c)?.serverCertificate), key: str(obj(c)?.privateKey), path: [...at, "tlsCertificates", i] }))
      : [{ cert: s("serverCertificate"), key: s("privateKey"), path: at }];
    for (const c of certs) {
      if (c.cert === "") report.error(c.path, "gw-tls-cert", `${prefix} requires a server certificate`);
      if (c.key === "") report.error(c.path, "gw-tls-key", `${prefix} requires a private key`);
    }
  }
  if (s("caCrl") !== "") {
    if (s("credentialName") !== "") report.error([...at, "caCrl"], "gw-tls-crl", "CRL is not supported with credentialName. CRL has to be specified in the credential");
    if (mode === "SIMPLE") report.error([...at, "caCrl"], "gw-tls-crl", "CRL is not supported with SIMPLE TLS");
  }
}
