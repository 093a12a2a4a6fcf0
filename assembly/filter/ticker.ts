// One tick period per root context (proxy_set_tick_period_milliseconds): the fault injector
// wants fast ticks while delays are pending, the outlier tracker slow ones while it has
// detectors. The period is the shortest either wants; each checks its own deadlines.
import { setTickPeriodMilliseconds } from "../abi/host";

export const enum TickUser { Fault = 0, Outlier = 1 }

export class Ticker {
  private fault: u32 = 0;
  private outlier: u32 = 0;
  private current: u32 = 0;

  want(user: TickUser, ms: u32): void {
    if (user == TickUser.Fault) this.fault = ms; else this.outlier = ms;
    const a = this.fault;
    const b = this.outlier;
    const period = a == 0 ? b : b == 0 ? a : a < b ? a : b;
    if (period == this.current) return;
    this.current = period;
    setTickPeriodMilliseconds(period);
  }
}
