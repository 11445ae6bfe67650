import { and, eq, lt } from "drizzle-orm";
import { provisioningActions, ticketAssignees } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { findVisibleTicket } from "../access";
import { findVisibleCustomer, visibleCustomersByAccount } from "../customers";
import {
  type ElementManager,
  ElementManagerError,
  type OntLink,
  type ServiceType,
  type Subscriber,
} from "./element-manager";
import { httpElementManager } from "./element-manager.http";
import { simulatedElementManager } from "./element-manager.simulator";

type ActionRow = typeof provisioningActions.$inferSelect;
type ActionName = ActionRow["action"];

/** The element manager this deployment talks to: the configured HTTP one, else the simulator outside production. */
export function elementManagerFor(ctx: Pick<UserContext, "env" | "settings">): ElementManager {
  const { env, settings } = ctx;
  if (env.ELEMENT_MANAGER_URL) {
    return httpElementManager({
      oltUrl: env.ELEMENT_MANAGER_URL,
      oltToken: env.ELEMENT_MANAGER_TOKEN ?? "",
      acsUrl: env.GENIEACS_URL,
      acsUsername: env.GENIEACS_USERNAME,
      acsPassword: env.GENIEACS_PASSWORD,
      timeoutMs: settings.elementManagerTimeoutMs,
    });
  }
  if (env.EM_SIMULATOR && (isLocal(settings) || env.ELEMENT_MANAGER === "simulator"))
    return simulatedElementManager(env.EM_SIMULATOR, settings.elementManagerTimeoutMs);
  throw new AppError(
    "element_manager_not_configured",
    "Set ELEMENT_MANAGER_URL (and its token) to reach the network's element manager.",
  );
}

const allocatorOf = (ctx: UserContext, node: string) => ctx.env.VLANS.get(ctx.env.VLANS.idFromName(node));

/** The element manager's failure as the caller sees it: the code says whether retrying is safe. */
export function problemOf(err: ElementManagerError): AppError {
  switch (err.failure) {
    case "not_found":
      return new AppError("not_found", `The element manager: ${err.message}`);
    case "rejected":
      return new AppError("conflict", `The element manager refused: ${err.message}`);
    case "timeout":
      return new AppError("element_manager_timeout", `${err.message} Nothing was changed; it is safe to retry.`);
    case "outcome_unknown":
      return new AppError(
        "element_manager_outcome_unknown",
        `${err.message} The change may have been applied: look up the subscriber (or the provisioning log) before retrying.`,
      );
    default:
      return new AppError("element_manager_unavailable", `${err.message} Nothing was changed; it is safe to retry.`);
  }
}

// ---- whom an action is about ----

export interface SubjectInput {
  serial?: string;
  subscriber_id?: string;
  customer_id?: string;
  ticket_id?: string;
}

interface Subject {
  subscriberId: string | null;
  customerId: string | null;
  ticketId: string | null;
  serial: string | null;
}

const mayProvision = (ctx: UserContext) => ctx.actor.permissions.has("network:provision");

/** A customer's subscriber id at the element manager is their account number. */
async function subscriberOfCustomer(ctx: UserContext, customerId: string) {
  const row = await findVisibleCustomer(ctx, customerId);
  if (!row.accountNumber)
    throw new AppError(
      "unprocessable",
      "This customer has no account (subscriber) number, so the network does not know them.",
    );
  return row.accountNumber;
}

/**
 * Resolves the request's subject and checks the caller may act on it: network provisioners on any
 * ONT, subscriber, customer they see or ticket they see; anyone else only through a ticket
 * assigned to them (a technician checking the line at the visit).
 */
async function subjectOf(ctx: UserContext, input: SubjectInput, options: { allowSerial: boolean }): Promise<Subject> {
  const given = (["serial", "subscriber_id", "customer_id", "ticket_id"] as const).filter(
    (k) => input[k] !== undefined && (k !== "serial" || options.allowSerial),
  );
  if (given.length !== 1) {
    const names = options.allowSerial
      ? "serial, subscriber_id, customer_id or ticket_id"
      : "subscriber_id, customer_id or ticket_id";
    throw new AppError("validation_failed", `Name exactly one of ${names}.`, {
      errors: [{ path: "query", message: `Exactly one of ${names}` }],
    });
  }
  if (input.ticket_id) {
    const ticket = await findVisibleTicket(ctx, input.ticket_id);
    if (!mayProvision(ctx)) {
      const assigned = await ctx.db.query.ticketAssignees.findFirst({
        where: and(eq(ticketAssignees.ticketId, ticket.id), eq(ticketAssignees.technicianId, ctx.actor.userId)),
      });
      if (!assigned)
        throw new AppError(
          "forbidden",
          "Only the ticket's own technicians (or network provisioners) may check its line.",
        );
    }
    if (!ticket.customerId)
      throw new AppError("unprocessable", "This ticket has no customer, so there is no line to check.");
    return {
      subscriberId: await subscriberOfCustomer(ctx, ticket.customerId),
      customerId: ticket.customerId,
      ticketId: ticket.id,
      serial: null,
    };
  }
  if (!mayProvision(ctx))
    throw new AppError("forbidden", "Without network:provision, name a ticket assigned to you (ticket_id).");
  if (input.customer_id)
    return {
      subscriberId: await subscriberOfCustomer(ctx, input.customer_id),
      customerId: input.customer_id,
      ticketId: null,
      serial: null,
    };
  if (input.subscriber_id) return { subscriberId: input.subscriber_id, customerId: null, ticketId: null, serial: null };
  return { subscriberId: null, customerId: null, ticketId: null, serial: input.serial! };
}

/** A ticket named alongside a change is one the caller can see. */
async function ticketInReach(ctx: UserContext, ticketId: string | undefined) {
  return ticketId ? (await findVisibleTicket(ctx, ticketId)).id : null;
}

// ---- the provisioning log ----

interface Running {
  id: string;
  started: number;
  base: Omit<typeof provisioningActions.$inferInsert, "outcome">;
}

function begin(
  ctx: UserContext,
  action: ActionName,
  subject: Partial<Subject> & { node?: string | null },
  request: Record<string, unknown>,
): Running {
  const started = Date.now();
  const id = newId("pva");
  return {
    id,
    started,
    base: {
      id,
      action,
      actorUserId: ctx.actor.userId,
      subscriberId: subject.subscriberId ?? null,
      customerId: subject.customerId ?? null,
      ticketId: subject.ticketId ?? null,
      node: subject.node ?? null,
      ontSerial: subject.serial ?? null,
      request,
      startedAt: nowIso(new Date(started)),
    },
  };
}

/** A change is on record before it is sent: if this request dies midway, the log still says it was tried. */
async function markRunning(ctx: UserContext, run: Running) {
  await ctx.db.insert(provisioningActions).values({ ...run.base, outcome: "running" });
}

async function finish(
  ctx: UserContext,
  run: Running,
  written: boolean,
  outcome: { result?: unknown; error?: AppError; upstream?: string },
) {
  const finishedAt = Date.now();
  const values = {
    outcome: outcome.error
      ? outcome.error.code === "element_manager_outcome_unknown"
        ? ("outcome_unknown" as const)
        : ("failed" as const)
      : ("succeeded" as const),
    result: outcome.result ?? null,
    errorCode: outcome.error?.code ?? null,
    errorDetail: outcome.error?.message ?? null,
    upstream: outcome.upstream ?? null,
    durationMs: finishedAt - run.started,
    finishedAt: nowIso(new Date(finishedAt)),
    // Learnt on the way (the ONT's node), so failures are found by node too.
    node: run.base.node ?? null,
    ontSerial: run.base.ontSerial ?? null,
  };
  if (written) await ctx.db.update(provisioningActions).set(values).where(eq(provisioningActions.id, run.id));
  else await ctx.db.insert(provisioningActions).values({ ...run.base, ...values });
  return { ...run.base, ...values } as ActionRow;
}

/**
 * Runs one action against the element manager with its log entry: failures become the problem
 * whose code says whether to retry, recorded with the element manager's own answer.
 */
async function logged<T>(
  ctx: UserContext,
  run: Running,
  change: boolean,
  work: () => Promise<{ value: T; result: unknown }>,
): Promise<{ value: T; action: ActionRow }> {
  if (change) await markRunning(ctx, run);
  try {
    const done = await work();
    return { value: done.value, action: await finish(ctx, run, change, { result: done.result }) };
  } catch (err) {
    const problem = err instanceof ElementManagerError ? problemOf(err) : err instanceof AppError ? err : null;
    if (!problem) {
      await finish(ctx, run, change, {
        error: new AppError("internal_error", "Unexpected failure"),
        upstream: String((err as Error)?.message ?? err).slice(0, 300),
      });
      throw err;
    }
    await finish(ctx, run, change, {
      error: problem,
      upstream: err instanceof ElementManagerError ? err.upstream : undefined,
    });
    throw problem;
  }
}

export function toAction(row: ActionRow) {
  return {
    id: row.id,
    action: row.action,
    outcome: row.outcome,
    actor_user_id: row.actorUserId,
    subscriber_id: row.subscriberId,
    customer_id: row.customerId,
    ticket_id: row.ticketId,
    node: row.node,
    ont_serial: row.ontSerial,
    request: row.request,
    result: row.result ?? null,
    error_code: row.errorCode,
    error_detail: row.errorDetail,
    upstream: row.upstream,
    duration_ms: row.durationMs,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
  };
}

// ---- reads ----

/** GPON class B+ budget: an ONT should receive between −8 and −27 dBm; under −25 dBm is marginal. */
export function signalOf(link: OntLink): "good" | "weak" | "overload" | "none" {
  if (link.status !== "up" || link.rx_power_dbm === null) return "none";
  if (link.rx_power_dbm > -8) return "overload";
  if (link.rx_power_dbm < -25) return "weak";
  return "good";
}

async function subscriberOrFail(em: ElementManager, subscriberId: string): Promise<Subscriber> {
  const found = await em.lookupSubscriber(subscriberId);
  if (!found) throw new ElementManagerError("not_found", `No subscriber ${subscriberId} on the network.`);
  return found;
}

export async function linkCheck(ctx: UserContext, input: SubjectInput) {
  const subject = await subjectOf(ctx, input, { allowSerial: true });
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "link_check", subject, { ...input });
  const { value } = await logged(ctx, run, false, async () => {
    const serial = subject.serial ?? (await subscriberOrFail(em, subject.subscriberId!)).ont_serial;
    run.base.ontSerial = serial;
    const link = await em.linkCheck(serial);
    run.base.node = link.node;
    const answer = { ...link, signal: signalOf(link), subscriber_id: subject.subscriberId, action_id: run.id };
    return { value: answer, result: { status: link.status, rx_power_dbm: link.rx_power_dbm, signal: answer.signal } };
  });
  return value;
}

export async function subscriberHealth(ctx: UserContext, input: SubjectInput) {
  const subject = await subjectOf(ctx, input, { allowSerial: false });
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "subscriber_health", subject, { ...input });
  const { value } = await logged(ctx, run, false, async () => {
    const subscriber = await subscriberOrFail(em, subject.subscriberId!);
    Object.assign(run.base, { node: subscriber.node, ontSerial: subscriber.ont_serial });
    const link = await em.linkCheck(subscriber.ont_serial);
    const signal = signalOf(link);
    const problems: string[] = [];
    if (link.status !== "up") problems.push(`The ONT's link is ${link.status}.`);
    if (signal === "weak")
      problems.push(
        `Weak light at the ONT (${link.rx_power_dbm} dBm; expected −8 to −25 dBm): check the drop, connectors and splices.`,
      );
    if (signal === "overload")
      problems.push(`Too much light at the ONT (${link.rx_power_dbm} dBm): an attenuator is missing.`);
    if (!subscriber.cpe) problems.push("No CPE is registered for this subscriber.");
    else if (!subscriber.cpe.online)
      problems.push(
        `The CPE ${subscriber.cpe.serial} is offline${subscriber.cpe.last_inform_at ? ` (last heard ${subscriber.cpe.last_inform_at})` : ""}.`,
      );
    const status: "healthy" | "degraded" | "down" =
      link.status !== "up" ? "down" : problems.length ? "degraded" : "healthy";
    const answer = {
      subscriber_id: subscriber.subscriber_id,
      customer_id: subject.customerId,
      status,
      problems,
      link: { ...link, signal },
      subscriber,
      checked_at: nowIso(),
      action_id: run.id,
    };
    return { value: answer, result: { status, problems } };
  });
  return value;
}

export async function listNodes(ctx: UserContext) {
  return { data: await guarded(() => elementManagerFor(ctx).listNodes()) };
}

export async function unprovisionedOnts(ctx: UserContext, node?: string) {
  return { data: await guarded(() => elementManagerFor(ctx).unprovisionedOnts(node)) };
}

/** The node's free VLANs as the element manager lists them, less those being handed out right now. */
export async function availableVlans(ctx: UserContext, node: string, limit: number) {
  const free = await guarded(() => elementManagerFor(ctx).availableVlans(node));
  const held = new Set((await allocatorOf(ctx, node).held()).map((h) => h.vlan));
  const vlans = free.filter((v) => !held.has(v));
  return { node, total: vlans.length, vlans: vlans.slice(0, limit) };
}

export async function unusedVlans(ctx: UserContext, node?: string) {
  return { data: await guarded(() => elementManagerFor(ctx).unusedVlans(node)) };
}

/** Links the element manager's subscribers to the customers the caller may see (by account number). */
async function withCustomers(ctx: UserContext, found: Subscriber[]) {
  const byAccount = await visibleCustomersByAccount(
    ctx,
    found.map((s) => s.subscriber_id),
  );
  return found.map((s) => ({
    ...s,
    customer_id: byAccount.get(s.subscriber_id)?.id ?? null,
    customer_name: byAccount.get(s.subscriber_id)?.fullName ?? null,
  }));
}

export async function searchSubscribers(ctx: UserContext, query: { q?: string; node?: string; vlan?: number }) {
  if (query.q === undefined && !query.node && query.vlan === undefined)
    throw new AppError("validation_failed", "Search by q, node or vlan.", {
      errors: [{ path: "query", message: "Give q, node or vlan" }],
    });
  return { data: await withCustomers(ctx, await guarded(() => elementManagerFor(ctx).searchSubscribers(query))) };
}

export async function lookupSubscriber(ctx: UserContext, subscriberId: string) {
  const found = await guarded(() => subscriberOrFail(elementManagerFor(ctx), subscriberId));
  return (await withCustomers(ctx, [found]))[0];
}

/** Reads that change nothing are not logged; their failures still say whether to retry. */
async function guarded<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ElementManagerError) throw problemOf(err);
    throw err;
  }
}

// ---- changes ----

/**
 * Takes `count` VLANs for the action from the node's single writer and sends the change with
 * them. Failed: the VLANs go straight back. Unknown: held until the element manager lists them
 * free again.
 */
async function withVlans<T>(
  ctx: UserContext,
  em: ElementManager,
  actionId: string,
  node: string,
  count: number,
  send: (vlans: number[]) => Promise<T>,
): Promise<T> {
  const allocator = allocatorOf(ctx, node);
  const reserved = await allocator.reserve(actionId, await em.availableVlans(node), count);
  if (!reserved.ok)
    throw new AppError(
      "conflict",
      `Only ${reserved.free} free VLANs are left on ${node}: clean up unused VLANs first.`,
    );
  try {
    const done = await send(reserved.vlans);
    await allocator.settle(actionId, "assigned");
    return done;
  } catch (err) {
    await allocator.settle(
      actionId,
      err instanceof ElementManagerError && err.failure === "outcome_unknown" ? "unknown" : "released",
    );
    throw err;
  }
}

export async function provisionService(
  ctx: UserContext,
  input: {
    ont_serial: string;
    service_type: ServiceType;
    subscriber_id?: string;
    customer_id?: string;
    ticket_id?: string;
  },
) {
  const subject = await subjectOf(
    ctx,
    { subscriber_id: input.subscriber_id, customer_id: input.customer_id },
    { allowSerial: false },
  );
  const ticketId = await ticketInReach(ctx, input.ticket_id);
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "provision_service", { ...subject, ticketId, serial: input.ont_serial }, { ...input });
  const { value, action } = await logged(ctx, run, true, async () => {
    const link = await em.linkCheck(input.ont_serial);
    run.base.node = link.node;
    const done = await withVlans(ctx, em, run.id, link.node, 1, ([vlan]) =>
      em.provisionService({
        ont_serial: input.ont_serial,
        subscriber_id: subject.subscriberId!,
        service_type: input.service_type,
        vlan,
      }),
    );
    return { value: done, result: done };
  });
  return { ...value, action: toAction(action) };
}

export async function changeCpe(
  ctx: UserContext,
  input: { cpe_serial: string; subscriber_id?: string; customer_id?: string; ticket_id?: string },
) {
  const subject = await subjectOf(
    ctx,
    { subscriber_id: input.subscriber_id, customer_id: input.customer_id },
    { allowSerial: false },
  );
  const ticketId = await ticketInReach(ctx, input.ticket_id);
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "change_cpe", { ...subject, ticketId }, { ...input });
  const { value, action } = await logged(ctx, run, true, async () => {
    const cpe = await em.changeCpe(subject.subscriberId!, input.cpe_serial);
    return { value: cpe, result: cpe };
  });
  return { subscriber_id: subject.subscriberId!, cpe: value, action: toAction(action) };
}

export async function deleteOnt(ctx: UserContext, serial: string, ticketIdInput?: string) {
  const ticketId = await ticketInReach(ctx, ticketIdInput);
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "delete_ont", { serial, ticketId }, { serial, ticket_id: ticketIdInput });
  const { value, action } = await logged(ctx, run, true, async () => {
    const done = await em.deleteOnt(serial);
    run.base.node = done.node;
    if (done.freed_vlan !== null) await allocatorOf(ctx, done.node).free([done.freed_vlan]);
    return { value: done, result: done };
  });
  return { ...value, action: toAction(action) };
}

export async function createVlans(
  ctx: UserContext,
  node: string,
  input: { metro: string; service_type: ServiceType; count: number },
) {
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "create_vlans", { node }, { node, ...input });
  const { value, action } = await logged(ctx, run, true, async () => {
    const known = (await em.listNodes()).find((n) => n.name === node);
    if (!known) throw new AppError("not_found", `The element manager knows no node ${node}.`);
    if (known.metro !== input.metro)
      throw new AppError("unprocessable", `${node} is in metro ${known.metro}, not ${input.metro}.`);
    const created = await withVlans(ctx, em, run.id, node, input.count, (vlans) =>
      em.createVlans(node, input.service_type, vlans),
    );
    return { value: created, result: { vlans: created.map((v) => v.vlan) } };
  });
  return { node, metro: input.metro, service_type: input.service_type, vlans: value, action: toAction(action) };
}

export async function deleteUnusedVlans(ctx: UserContext, input: { node: string; vlans?: number[] }) {
  const em = elementManagerFor(ctx);
  const run = begin(ctx, "delete_unused_vlans", { node: input.node }, { ...input });
  const { value, action } = await logged(ctx, run, true, async () => {
    const unused = (await em.unusedVlans(input.node)).map((v) => v.vlan);
    const wanted = input.vlans ?? unused;
    const inUse = wanted.filter((v) => !unused.includes(v));
    if (inUse.length)
      throw new AppError("conflict", `These VLANs are not unused on ${input.node}: ${inUse.join(", ")}.`);
    const deleted = wanted.length ? await em.deleteVlans(input.node, wanted) : [];
    await allocatorOf(ctx, input.node).free(deleted);
    return { value: deleted, result: { deleted } };
  });
  return { node: input.node, deleted: value, action: toAction(action) };
}

// ---- the log ----

/** A change still `running` this long after it started belongs to a request that died. */
export const ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * Settles the log entries of changes whose request died before the element manager answered:
 * their outcome is unknown. Cron (every 5 minutes); a rerun finds nothing left to settle.
 */
export async function settleAbandonedActions(ctx: ServiceContext, scheduledTime: number) {
  const before = nowIso(new Date(scheduledTime - ABANDONED_AFTER_MS));
  const result = await ctx.db
    .update(provisioningActions)
    .set({
      outcome: "outcome_unknown",
      errorCode: "element_manager_outcome_unknown",
      finishedAt: nowIso(new Date(scheduledTime)),
      errorDetail:
        "The request ended before the element manager answered; the change may have been applied: look up the subscriber before retrying.",
    })
    .where(and(eq(provisioningActions.outcome, "running"), lt(provisioningActions.startedAt, before)));
  return { settled: result.meta.changes };
}

export async function listActions(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    subscriber_id?: string;
    ticket_id?: string;
    actor_user_id?: string;
    action?: ActionName;
    outcome?: ActionRow["outcome"];
  },
) {
  const page = keyset({
    order: "-started_at",
    column: provisioningActions.startedAt,
    idColumn: provisioningActions.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(provisioningActions)
    .where(
      and(
        page.where,
        query.subscriber_id ? eq(provisioningActions.subscriberId, query.subscriber_id) : undefined,
        query.ticket_id ? eq(provisioningActions.ticketId, query.ticket_id) : undefined,
        query.actor_user_id ? eq(provisioningActions.actorUserId, query.actor_user_id) : undefined,
        query.action ? eq(provisioningActions.action, query.action) : undefined,
        query.outcome ? eq(provisioningActions.outcome, query.outcome) : undefined,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.startedAt);
  return { data: result.data.map(toAction), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

export async function getAction(ctx: UserContext, id: string) {
  const row = await ctx.db.query.provisioningActions.findFirst({ where: eq(provisioningActions.id, id) });
  if (!row) throw new AppError("not_found", "No such provisioning action.");
  return toAction(row);
}
