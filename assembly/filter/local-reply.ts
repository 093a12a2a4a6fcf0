// Local replies in Envoy's shapes (status, details, body); Envoy sends them after the
// callback returns and runs them back through the response callbacks.
import { sendLocalResponse } from "../abi/host";
import { lenOf, ptrOf } from "../http/texts";

export function sendReply(status: u32, details: ArrayBuffer, body: usize, bodyLen: usize, headers: usize, headersLen: usize, grpcStatus: i32 = -1): void {
  sendLocalResponse(status, ptrOf(details), lenOf(details), body, bodyLen, headers, headersLen, grpcStatus);
}

export function sendEmptyReply(status: u32, details: ArrayBuffer): void {
  sendLocalResponse(status, ptrOf(details), lenOf(details), 0, 0, 0, 0, -1);
}
