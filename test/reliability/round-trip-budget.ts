/**
 * D1 round trips per operation: the latency model for clients far from the primary, where each
 * trip costs tens to hundreds of milliseconds. `round-trips.test.ts` makes a representative call
 * of each operation (with a fresh session, so the session check is counted) and fails when one
 * needs more trips than its budget here. Budgets start from the counts measured when the test was
 * written; lower them as batches merge reads. The goal: an authenticated read in at most two, a
 * write in at most three. docs/round-trips.md publishes this table.
 */
export const ROUND_TRIP_BUDGET: Record<string, number> = {
  "GET /v1/me": 1,
  "GET /v1/tickets": 2,
  "GET /v1/tickets/{id}": 7,
  "GET /v1/tickets/{id}/history": 3,
  "GET /v1/tickets/{id}/comments": 4,
  "GET /v1/customers": 2,
  "GET /v1/customers/{id}": 2,
  "GET /v1/users": 2,
  "GET /v1/technicians": 2,
  "GET /v1/appointments": 5,
  "GET /v1/appointments/{id}": 6,
  "GET /v1/availability": 4,
  "GET /v1/notifications": 3,
  "GET /v1/workload": 2,
  "GET /v1/feedback": 2,
  "GET /v1/assets": 2,
  "GET /v1/public/appointments/{token}": 7,
  "POST /v1/auth/login": 3,
  "POST /v1/auth/refresh": 4,
  "PATCH /v1/me": 3,
  "POST /v1/tickets": 5,
  "PATCH /v1/tickets/{id}": 6,
  "POST /v1/tickets/{id}/assign": 7,
  "POST /v1/tickets/{id}/start": 8,
  "POST /v1/tickets/{id}/comments": 4,
  "POST /v1/appointments": 6,
  "POST /v1/appointments/{id}/confirm": 10,
  "POST /v1/customers": 2,
  "POST /v1/attendance/mark": 4,
};
