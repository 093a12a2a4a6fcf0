// ServiceEntry webhook rules (the parts that matter to a gateway's service registry):
// istio/istio @86c9f01f pkg/config/validation/validation.go ValidateServiceEntry.

import { isIPAddress, validateFQDN, validatePartialWildcard, validateWildcardDomain } from "./names.ts";
import { arr, isObj, isSet, num, obj, portError, Report, str, strMap, type Obj } from "./report.ts";
import { validateExportTo } from "./export-to.ts";
import { parseProtocol } from "./gateway.ts";

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export function validateServiceEntry(report: Report): void {
  const spec = report.resource.spec as Obj;
  const resolution = isSet(spec.resolution) ? str(spec.resolution) : "NONE";
  if (isSet(spec.workloadSelector) && isSet(spec.endpoints)) report.error(["spec"], "se-selector-endpoints", "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
  const hosts = arr(spec.hosts);
  if (hosts.length === 0) report.error(["spec", "hosts"], "se-hosts", "service entry must have at least one host");
  hosts.forEach((h, i) => {
    const host = str(h);
    if (host === "*") return report.error(["spec", "hosts", i], "se-host", `invalid host ${host}`);
    report.check(["spec", "hosts", i], "se-host", validateWildcardDomain(host));
    const partial = resolution !== "DYNAMIC_DNS" ? validatePartialWildcard(host) : null;
    if (partial) report.warn(["spec", "hosts", i], "se-host-partial-wildcard", partial);
  });
  arr(spec.addresses).forEach((a, i) => {
    const addr = str(a);
    const [ip, bits, extra] = addr.split("/");
    const ok = extra === undefined && isIPAddress(ip ?? "") && (bits === undefined || (/^[0-9]+$/.test(bits) && Number(bits) <= (isIPAddress(ip!) && ip!.includes(":") ? 128 : 32)));
    if (!ok) report.error(["spec", "addresses", i], "se-address", `${addr} is not a valid IP address or CIDR subnet`);
  });
  const names = new Set<string>();
  const numbers = new Set<number>();
  arr(spec.ports).forEach((raw, i) => {
    const at = ["spec", "ports", i];
    if (!isObj(raw)) return report.error(at, "se-port", "service entry port may not be null");
    const name = str(raw.name);
    if (names.has(name)) report.error([...at, "name"], "se-port-name", `service entry port name "${name}" already defined`);
    names.add(name);
    const number = num(raw.number);
    if (numbers.has(number)) report.error([...at, "number"], "se-port-number", `service entry port ${number} already defined`);
    numbers.add(number);
    if (num(raw.targetPort) !== 0) report.check([...at, "targetPort"], "port", portError(num(raw.targetPort)));
    if (name === "" || name.length > 63 || !PORT_NAME.test(name)) report.error([...at, "name"], "se-port-name", `invalid port name: ${name}`);
    if (str(raw.protocol) !== "" && !parseProtocol(str(raw.protocol))) report.error([...at, "protocol"], "se-protocol", `unrecognized protocol ${str(raw.protocol)}`);
    report.check([...at, "number"], "port", portError(number));
  });
  const endpoints = arr(spec.endpoints);
  if (resolution === "NONE") {
    if (endpoints.length > 0) report.error(["spec", "endpoints"], "se-resolution", "no endpoints should be provided for resolution type none");
    if (isSet(spec.workloadSelector)) report.warn(["spec", "workloadSelector"], "se-resolution", "workloadSelector should not be set when resolution mode is NONE");
  } else if (resolution === "DNS" || resolution === "DNS_ROUND_ROBIN") {
    if (endpoints.length === 0) {
      for (let i = 0; i < hosts.length; i++) {
        const err = validateFQDN(str(hosts[i]));
        if (err) {
          report.error(["spec", "hosts", i], "se-dns-host", `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${err}`);
          break;
        }
      }
    }
    if (resolution === "DNS_ROUND_ROBIN" && endpoints.length > 1) report.error(["spec", "endpoints"], "se-resolution", `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
  }
  endpoints.forEach((raw, i) => {
    const at = ["spec", "endpoints", i];
    const ep = obj(raw);
    if (!ep) return report.error(at, "se-endpoint", "endpoint cannot be nil");
    const address = str(ep.address);
    if (address !== "" && !address.startsWith("unix://") && !isIPAddress(address)) {
      if (resolution === "STATIC") report.error([...at, "address"], "se-endpoint", `endpoint address "${address}" is not a valid IP address`);
      else report.check([...at, "address"], "se-endpoint", validateFQDN(address));
    }
    for (const [portName, port] of strMap(ep.ports)) {
      if (!names.has(portName)) report.error([...at, "ports", portName], "se-endpoint-port", `endpoint port ${portName} is not defined by the service entry`);
      report.check([...at, "ports", portName], "port", portError(num(port)));
    }
  });
  validateExportTo(report, spec.exportTo, { isServiceEntry: true, isDestinationRuleWithSelector: false });
}
