import { FINISHED_STATUSES, type TicketStatus } from "../../db/schema";
import { canTriage } from "../access";
import type { Relation } from "../access";
export type { Relation };

/**
 * The ticket state machine (WO-4), after the incident desk's workflow
 * (new → opened → in_progress → resolved → waiting_approval → closed; rejected → in_progress),
 * extended with assigned, on_hold and cancelled, and with dispatchers and supervisors as triage.
 */
export const ACTIONS = ["open", "start", "hold", "resume", "resolve", "approve", "reject", "cancel", "reopen"] as const;
export type TicketAction = (typeof ACTIONS)[number];

type Who = "triage" | "assignee" | "requester";

interface Rule {
  from: TicketStatus[];
  to: TicketStatus;
  who: Who[];
  /** Narrower `from` for requesters (customers cancel only before work starts). */
  requesterFrom?: TicketStatus[];
}

export const RULES: Record<TicketAction, Rule> = {
  open: { from: ["new"], to: "opened", who: ["triage"] },
  start: { from: ["opened", "assigned"], to: "in_progress", who: ["assignee", "triage"] },
  hold: { from: ["opened", "assigned", "in_progress"], to: "on_hold", who: ["assignee", "triage"] },
  resume: { from: ["on_hold"], to: "in_progress", who: ["assignee", "triage"] },
  // `resolved` becomes `waiting_approval` when a customer login can approve (see resolvedStatus).
  resolve: { from: ["in_progress"], to: "resolved", who: ["assignee", "triage"] },
  approve: { from: ["resolved", "waiting_approval"], to: "closed", who: ["requester", "triage"] },
  reject: { from: ["resolved", "waiting_approval"], to: "in_progress", who: ["requester", "triage"] },
  cancel: {
    from: ["new", "opened", "assigned", "on_hold", "in_progress"],
    to: "cancelled",
    who: ["requester", "triage"],
    requesterFrom: ["new", "opened", "assigned"],
  },
  reopen: { from: [...FINISHED_STATUSES], to: "opened", who: ["triage"] },
};

export const MILESTONE_COLUMN: Partial<Record<TicketStatus, string>> = {
  opened: "opened_at",
  assigned: "assigned_at",
  in_progress: "started_at",
  on_hold: "on_hold_at",
  resolved: "resolved_at",
  waiting_approval: "resolved_at",
  closed: "closed_at",
  cancelled: "cancelled_at",
};

function roles(relation: Relation): Set<Who> {
  const out = new Set<Who>();
  if (canTriage(relation)) out.add("triage");
  if (relation.assigned) out.add("assignee");
  if (relation.own) out.add("requester");
  return out;
}

/** Who-and-when check for one action: "forbidden" (not yours to do) or "invalid" (not from this state). */
export function checkAction(
  action: TicketAction,
  status: TicketStatus,
  relation: Relation,
): "ok" | "forbidden" | "invalid" {
  const rule = RULES[action];
  const mine = roles(relation);
  const allowedWho = rule.who.filter((w) => mine.has(w));
  if (!allowedWho.length) return "forbidden";
  const from = allowedWho.some((w) => w !== "requester") ? rule.from : (rule.requesterFrom ?? rule.from);
  return from.includes(status) ? "ok" : "invalid";
}

export function allowedActions(status: TicketStatus, relation: Relation): TicketAction[] {
  return ACTIONS.filter((a) => checkAction(a, status, relation) === "ok");
}

/** A resolution waits for the customer's approval when a customer login can give it. */
export function resolvedStatus(customerCanApprove: boolean): TicketStatus {
  return customerCanApprove ? "waiting_approval" : "resolved";
}
