import { env } from "cloudflare:workers";
import { addDays, todayIn } from "../src/lib/time";
import { call } from "./helpers";
import { assignedTicket } from "./work-factories";

/** A weekday-agnostic future date inside the horizon. */
export const dayAhead = (n = 3) => addDays(todayIn("Africa/Gaborone"), n);

export const bookingSetup = () => assignedTicket({ title: "Fibre internet down" });

export async function linkFor(token: string, ticketId: string) {
  const res = await call(`/v1/tickets/${ticketId}/appointment-link`, { token, method: "POST" });
  if (res.status !== 201) throw new Error(res.text);
  return (res.json.url as string).split("/a/")[1];
}

export async function doCount(technicianId: string) {
  const stub = env.SCHEDULES.get(env.SCHEDULES.idFromName(technicianId));
  return stub.count();
}
