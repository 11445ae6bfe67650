import type { SlaPauseReason } from "../../db/schema";
import { getTicketSlaExplained } from "./sla-clock";
import { getTicketOrArchived, listCustomerHistory as customerHistory } from "./archived";
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/context";
import { optionalJson, userContext } from "../../lib/create-router";
import { fileDownload } from "../../lib/files";
import { AppError } from "../../lib/problem";
import * as activity from "./activity.service";
import * as assignment from "./assignment.service";
import * as bookings from "./bookings.service";
import * as routes from "./tickets.routes";
import * as list from "./tickets.list";
import * as present from "./tickets.present";
import * as write from "./tickets.write";
import type { TicketAction } from "./tickets.workflow";

export const listTickets: RouteHandler<typeof routes.listTickets, AppEnv> = async (c) =>
  c.json(await list.listTickets(userContext(c), c.req.valid("query")), 200);

export const createTicket: RouteHandler<typeof routes.createTicket, AppEnv> = async (c) =>
  c.json(await bookings.raiseTicket(userContext(c), c.req.valid("json")), 201);

export const runAutoAssign: RouteHandler<typeof routes.runAutoAssign, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const outcome = await bookings.runAutoAssign(userContext(c), { strategy: input.strategy, kinds: input.kind });
  return "job" in outcome ? c.json(outcome.job!, 202) : c.json(outcome.result!, 200);
};

export const bulkAssignTickets: RouteHandler<typeof routes.bulkAssignTickets, AppEnv> = async (c) =>
  c.json(await assignment.bulkAssign(userContext(c), c.req.valid("json")), 200);

/** The ticket's version as its ETag (strong: the version changes with every change). */
function withEtag<T extends { version: number }>(c: Context<AppEnv>, ticket: T): T {
  c.header("etag", `"${ticket.version}"`);
  return ticket;
}

export const getTicket: RouteHandler<typeof routes.getTicket, AppEnv> = async (c) =>
  c.json(withEtag(c, await getTicketOrArchived(userContext(c), c.req.valid("param").id)), 200);

export const updateTicket: RouteHandler<typeof routes.updateTicket, AppEnv> = async (c) =>
  c.json(
    withEtag(
      c,
      await write.updateTicket(userContext(c), c.req.valid("param").id, c.req.valid("json"), {
        expectVersion: ifMatchVersion(c),
      }),
    ),
    200,
  );

function actionHandler(action: TicketAction): RouteHandler<routes.TicketActionRoute, AppEnv> {
  return async (c) => {
    const { id } = c.req.valid("param");
    const body = optionalJson<{ comment?: string }>(c) ?? {};
    return c.json(
      withEtag(
        c,
        await write.transitionTicket(userContext(c), id, action, body.comment, { expectVersion: ifMatchVersion(c) }),
      ),
      200,
    );
  };
}

export const openTicket = actionHandler("open");
export const startTicket = actionHandler("start");
export const holdTicket: RouteHandler<typeof routes.holdTicket, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const body = optionalJson<{ comment?: string; reason?: SlaPauseReason }>(c) ?? {};
  return c.json(
    withEtag(
      c,
      await write.transitionTicket(userContext(c), id, "hold", body.comment, {
        expectVersion: ifMatchVersion(c),
        pauseReason: body.reason,
      }),
    ),
    200,
  );
};
export const resumeTicket = actionHandler("resume");
export const resolveTicket = actionHandler("resolve");
export const approveTicket = actionHandler("approve");
export const rejectTicket = actionHandler("reject");
export const cancelTicket = actionHandler("cancel");
export const reopenTicket = actionHandler("reopen");

export const assignTicket: RouteHandler<typeof routes.assignTicket, AppEnv> = async (c) =>
  c.json(await assignment.assignTicket(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const unassignTicket: RouteHandler<typeof routes.unassignTicket, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(
    await assignment.unassignTicket(userContext(c), c.req.valid("param").id, input.technician_ids, input.comment),
    200,
  );
};

export const getTicketSla: RouteHandler<typeof routes.getTicketSla, AppEnv> = async (c) =>
  c.json(await getTicketSlaExplained(userContext(c), c.req.valid("param").id), 200);
export const setTicketSla: RouteHandler<typeof routes.setTicketSla, AppEnv> = async (c) =>
  c.json(await write.setSla(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const rescheduleBooking: RouteHandler<typeof routes.rescheduleBooking, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(
    await write.rescheduleBooking(userContext(c), c.req.valid("param").id, input.preferred_date, input.comment),
    200,
  );
};

export const listTicketComments: RouteHandler<typeof routes.listTicketComments, AppEnv> = async (c) =>
  c.json(await activity.listComments(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const addTicketComment: RouteHandler<typeof routes.addTicketComment, AppEnv> = async (c) =>
  c.json(await activity.addComment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 201);

export const listTicketAttachments: RouteHandler<typeof routes.listTicketAttachments, AppEnv> = async (c) =>
  c.json(await activity.listAttachments(userContext(c), c.req.valid("param").id), 200);

function decodeBase64(data: string): Uint8Array {
  try {
    const binary = atob(data.replace(/^data:[^,]*,/, "").replace(/\s+/g, ""));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    throw new AppError("validation_failed", "data_base64 is not valid base64.", {
      errors: [{ path: "data_base64", message: "Invalid base64" }],
    });
  }
}

export const addTicketAttachment: RouteHandler<typeof routes.addTicketAttachment, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  let file: { filename: string; contentType: string; bytes: Uint8Array };
  if (type.startsWith("multipart/form-data")) {
    const form = await c.req.parseBody();
    const part = form.file;
    if (!(part instanceof File))
      throw new AppError("validation_failed", "Send the file in a `file` field.", {
        errors: [{ path: "file", message: "Required" }],
      });
    file = {
      filename: part.name,
      contentType: part.type || "application/octet-stream",
      bytes: new Uint8Array(await part.arrayBuffer()),
    };
  } else {
    const body = c.req.valid("json") as { filename: string; content_type: string; data_base64: string } | undefined;
    if (!body?.data_base64) {
      throw new AppError(
        "validation_failed",
        "Send multipart/form-data with a `file`, or JSON { filename, content_type, data_base64 }.",
        { errors: [{ path: "data_base64", message: "Required" }] },
      );
    }
    file = { filename: body.filename, contentType: body.content_type, bytes: decodeBase64(body.data_base64) };
  }
  return c.json(await activity.addAttachment(userContext(c), id, file), 201);
};

export const downloadTicketAttachment: RouteHandler<typeof routes.downloadTicketAttachment, AppEnv> = async (c) => {
  const { id, attachment_id } = c.req.valid("param");
  const { object, row } = await activity.downloadAttachment(userContext(c), id, attachment_id);
  return fileDownload(object, row);
};

export const listTicketHistory: RouteHandler<typeof routes.listTicketHistory, AppEnv> = async (c) =>
  c.json(await present.listHistory(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const listWorkLogs: RouteHandler<typeof routes.listWorkLogs, AppEnv> = async (c) =>
  c.json(await activity.listWorkLogs(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const addWorkLog: RouteHandler<typeof routes.addWorkLog, AppEnv> = async (c) =>
  c.json(await activity.addWorkLog(userContext(c), c.req.valid("param").id, c.req.valid("json")), 201);

export const requestCompletionCode: RouteHandler<typeof routes.requestCompletionCode, AppEnv> = async (c) =>
  c.json(await activity.requestCompletionCode(userContext(c), c.req.valid("param").id), 202);

export const completeTicket: RouteHandler<typeof routes.completeTicket, AppEnv> = async (c) =>
  c.json(await activity.completeWithCode(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const listCustomerTickets: RouteHandler<typeof routes.listCustomerTickets, AppEnv> = async (c) => {
  return c.json(await list.listCustomerTickets(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
};

export const getWorkload: RouteHandler<typeof routes.getWorkload, AppEnv> = async (c) =>
  c.json(await assignment.workload(userContext(c)), 200);

export const getTechnicianWorkload: RouteHandler<typeof routes.getTechnicianWorkload, AppEnv> = async (c) =>
  c.json(await assignment.workload(userContext(c), c.req.valid("param").id), 200);

/**
 * `If-Match: "7"`; `*` or no header: no check. If-Match compares strongly (RFC 9110 §13.1.1), so
 * a weak tag (`W/"7"`) never matches: 412. Anything else is a 400.
 */
function ifMatchVersion(c: Context<AppEnv>): number | undefined {
  const header = c.req.header("if-match")?.trim();
  if (!header || header === "*") return undefined;
  if (/^W\/"\d{1,9}"$/.test(header))
    throw new AppError(
      "precondition_failed",
      'If-Match compares strongly: a weak ETag (W/"…") never matches. Send the ETag as GET returned it.',
    );
  const match = /^"(\d{1,9})"$/.exec(header);
  if (!match)
    throw new AppError("invalid_request", 'If-Match takes the ETag of a ticket, e.g. "7".', {
      errors: [{ path: "if-match", message: "Not an ETag of this API" }],
    });
  return Number(match[1]);
}

export const listCustomerHistory: RouteHandler<typeof routes.listCustomerHistory, AppEnv> = async (c) =>
  c.json(await customerHistory(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
