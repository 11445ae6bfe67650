import type { ServiceContext } from "../../lib/context";
import { daysBefore, deleteInChunks } from "../../lib/retention";

/** Location reports past their retention, except each technician's latest (the map's last known position). */
export async function pruneLocationTrail(ctx: ServiceContext, scheduledTime: number) {
  return deleteInChunks(ctx.env.DB, {
    table: "technician_locations",
    where: `reported_at < ? AND reported_at < (SELECT max(l.reported_at) FROM technician_locations l
              WHERE l.technician_id = technician_locations.technician_id)`,
    params: [daysBefore(scheduledTime, ctx.settings.retention.locationsDays)],
    chunk: ctx.settings.retention.chunkRows,
  });
}
