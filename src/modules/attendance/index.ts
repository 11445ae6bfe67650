// Attendance (FW-4): who is present or absent each day; absent technicians are offered no slots.
import { createRouter } from "../../lib/create-router";
import * as h from "./attendance.handlers";
import * as r from "./attendance.routes";

export const attendanceModule = createRouter()
  .openapi(r.getMyAttendance, h.getMyAttendance)
  .openapi(r.getMyAttendanceToday, h.getMyAttendanceToday)
  .openapi(r.listAttendance, h.listAttendance)
  .openapi(r.markAttendance, h.markAttendance)
  .openapi(r.bulkMarkAttendance, h.bulkMarkAttendance);
