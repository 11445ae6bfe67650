import * as holds from "./holds";
import { explainCandidates } from "./candidates";
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/context";
import { optionalJson, userContext, serviceContext } from "../../lib/create-router";

import * as appointments from "./appointments.service";
import type { AppointmentStep } from "./appointments.workflow";
import * as feedback from "./feedback.service";
import * as links from "./links.service";
import * as routes from "./scheduling.routes";

export const getTechnicianAvailability: RouteHandler<typeof routes.getTechnicianAvailability, AppEnv> = async (c) => {
  const { date, duration, explain } = c.req.valid("query");
  return c.json(
    await appointments.technicianAvailability(userContext(c), c.req.valid("param").id, date, duration, explain),
    200,
  );
};

export const getTicketCandidates: RouteHandler<typeof routes.getTicketCandidates, AppEnv> = async (c) =>
  c.json(await explainCandidates(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const getTicketAvailability: RouteHandler<typeof routes.getTicketAvailability, AppEnv> = async (c) =>
  c.json(await appointments.availabilityOfTicket(userContext(c), c.req.valid("query")), 200);

export const createAppointment: RouteHandler<typeof routes.createAppointment, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(
    input.hold_id
      ? await holds.createHeldAppointment(userContext(c), { ticket_id: input.ticket_id, hold_id: input.hold_id })
      : await appointments.createAppointment(userContext(c), input),
    201,
  );
};

export const createSlotHold: RouteHandler<typeof routes.createSlotHold, AppEnv> = async (c) =>
  c.json(await holds.createSlotHold(userContext(c), c.req.valid("json")), 201);

export const deleteSlotHold: RouteHandler<typeof routes.deleteSlotHold, AppEnv> = async (c) => {
  await holds.deleteSlotHold(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const listAppointments: RouteHandler<typeof routes.listAppointments, AppEnv> = async (c) =>
  c.json(await appointments.listAppointments(userContext(c), c.req.valid("query")), 200);

export const getAppointmentSummary: RouteHandler<typeof routes.getAppointmentSummary, AppEnv> = async (c) =>
  c.json(await appointments.summary(userContext(c), c.req.valid("query").date), 200);

export const getAppointment: RouteHandler<typeof routes.getAppointment, AppEnv> = async (c) =>
  c.json(await appointments.getAppointment(userContext(c), c.req.valid("param").id), 200);

export const rescheduleAppointment: RouteHandler<typeof routes.rescheduleAppointment, AppEnv> = async (c) =>
  c.json(await appointments.rescheduleAppointment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

function stepHandler(step: AppointmentStep): RouteHandler<routes.AppointmentStepRoute, AppEnv> {
  return async (c) => {
    const { id } = c.req.valid("param");
    const body = optionalJson<Record<string, string>>(c) ?? {};
    return c.json(await appointments.stepAppointment(userContext(c), id, step, body), 200);
  };
}

export const confirmAppointment = stepHandler("confirm");
export const departAppointment = stepHandler("depart");
export const arriveAppointment = stepHandler("arrive");
export const startAppointment = stepHandler("start");
export const completeAppointment = stepHandler("complete");
export const cancelAppointment = stepHandler("cancel");

export const createAppointmentLink: RouteHandler<typeof routes.createAppointmentLink, AppEnv> = async (c) =>
  c.json(await links.createLink(userContext(c), c.req.valid("param").id), 201);

export const rateTicket: RouteHandler<typeof routes.rateTicket, AppEnv> = async (c) =>
  c.json(await feedback.rateTicket(userContext(c), c.req.valid("param").id, c.req.valid("json")), 201);

export const listFeedback: RouteHandler<typeof routes.listFeedback, AppEnv> = async (c) =>
  c.json(await feedback.listFeedback(userContext(c), c.req.valid("query")), 200);

const linkContext = (c: Context<AppEnv>, token: string) => links.resolveToken(serviceContext(c), token);

export const getPublicAppointment: RouteHandler<typeof routes.getPublicAppointment, AppEnv> = async (c) =>
  c.json(await links.tokenContext(await linkContext(c, c.req.valid("param").token)), 200);

export const getPublicAvailability: RouteHandler<typeof routes.getPublicAvailability, AppEnv> = async (c) =>
  c.json(
    await links.linkAvailability(await linkContext(c, c.req.valid("param").token), c.req.valid("query").date),
    200,
  );

export const publicHold: RouteHandler<typeof routes.publicHold, AppEnv> = async (c) => {
  const { date, start_time } = c.req.valid("json");
  return c.json(await links.linkHold(await linkContext(c, c.req.valid("param").token), date, start_time), 200);
};

export const publicSchedule: RouteHandler<typeof routes.publicSchedule, AppEnv> = async (c) => {
  const { date, start_time } = c.req.valid("json");
  // The booking's checks for that day come with the link (one round trip fewer).
  const link = await links.resolveToken(serviceContext(c), c.req.valid("param").token, { bookingDate: date });
  return c.json(await links.linkSchedule(link, date, start_time), 200);
};

export const publicReschedule: RouteHandler<typeof routes.publicReschedule, AppEnv> = async (c) => {
  const { date, start_time } = c.req.valid("json");
  return c.json(await links.linkReschedule(await linkContext(c, c.req.valid("param").token), date, start_time), 200);
};

export const publicShareLocation: RouteHandler<typeof routes.publicShareLocation, AppEnv> = async (c) =>
  c.json(await links.linkLocation(await linkContext(c, c.req.valid("param").token), c.req.valid("json")), 200);

export const publicSetLanguage: RouteHandler<typeof routes.publicSetLanguage, AppEnv> = async (c) =>
  c.json(
    await links.linkSetLanguage(await linkContext(c, c.req.valid("param").token), c.req.valid("json").language),
    200,
  );

export const publicFeedback: RouteHandler<typeof routes.publicFeedback, AppEnv> = async (c) =>
  c.json(
    await feedback.submitTokenFeedback(await linkContext(c, c.req.valid("param").token), c.req.valid("json")),
    201,
  );

export const publicCancel: RouteHandler<typeof routes.publicCancel, AppEnv> = async (c) =>
  c.json(await links.linkCancel(await linkContext(c, c.req.valid("param").token)), 200);

export const publicRenewLink: RouteHandler<typeof routes.publicRenewLink, AppEnv> = async (c) =>
  c.json(await links.renewLink(serviceContext(c), c.req.valid("param").token), 202);
