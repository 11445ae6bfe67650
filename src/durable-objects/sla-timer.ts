import { DurableObject } from "cloudflare:workers";
import { systemContext } from "../lib/context";
import type { Env } from "../lib/env";
import { writeLog } from "../lib/log";
import type { SlaTimerApi } from "../lib/sla-timer";
import { slaClockTick } from "../modules/tickets";

/** Alarms closer together than this are taken in one run (alerts stay within a second or two of their time). */
const COALESCE_MS = 1000;

/**
 * TIME-2. One object holds one alarm: the next moment any ticket's SLA warning or breach falls due
 * (or now, after an SLA policy or calendar changed). Writers that set a due time ask it to wake at
 * that time; when it wakes it recomputes clocks behind the configuration, flags what is due (each
 * alert once: the flags are conditional UPDATEs and the events have derived ids, so the 5-minute
 * cron running the same check never doubles one) and sets the alarm at the next deadline the
 * database holds. A failed run throws, and the platform retries the alarm.
 */
export class SlaTimer extends DurableObject<Env> implements SlaTimerApi {
  /** The earliest deadline asked for; kept even with alarms off, so tests can see what would be armed. */
  async arm(atMs: number): Promise<number> {
    const current = (await this.ctx.storage.get<number>("next")) ?? null;
    const at = Math.max(atMs, Date.now());
    if (current !== null && current <= at && current > Date.now() - 60_000) return current;
    await this.ctx.storage.put("next", at);
    const settings = systemContext(this.env, "slaTimer").settings;
    if (settings.slaAlarms) await this.ctx.storage.setAlarm(at);
    return at;
  }

  /** What `arm` last recorded. */
  async armedAt(): Promise<number | null> {
    return (await this.ctx.storage.get<number>("next")) ?? null;
  }

  /** One run of the clock: what the alarm does, callable directly (tests, and the cron's safety net). */
  async tick() {
    await this.ctx.storage.delete("next");
    const ctx = systemContext(this.env, "slaTimer", (p) => this.ctx.waitUntil(p));
    const outcome = await slaClockTick(ctx, Date.now());
    if (outcome.next !== null) {
      const at = Math.max(outcome.next, Date.now() + COALESCE_MS);
      await this.ctx.storage.put("next", at);
      if (ctx.settings.slaAlarms) await this.ctx.storage.setAlarm(at);
    }
    if (outcome.warned || outcome.breached || outcome.recomputed)
      writeLog(ctx.settings.logLevel, "info", { msg: "sla timer", ...outcome });
    return outcome;
  }

  override async alarm() {
    await this.tick();
  }
}
