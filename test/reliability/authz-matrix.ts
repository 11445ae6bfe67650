import { BUILTIN_ROLES, type Permission } from "../../src/contracts/permissions";

/**
 * The authorization matrix (issue 6), kept by hand in one place: every operation and who may
 * call it. "public" needs nothing (the token in a link or an events ticket is checked by the
 * route itself), "authenticated" any signed-in user (objects are then scoped by the service),
 * otherwise the permission that built-in roles hold or lack (src/modules/roles/permissions.ts).
 * `authz-matrix.test.ts` fails when a route is missing here, when a route's declared permission
 * differs from this table, and when any role × route outcome differs from it.
 */
export const ROUTE_ACCESS: Record<string, string> = {
  getApiRoot: "public", // GET /v1
  getHealth: "public", // GET /v1/health
  getLabels: "public", // GET /v1/labels
  listDevOutbox: "dev:outbox", // GET /v1/dev/outbox
  login: "public", // POST /v1/auth/login
  verifyLoginOtp: "public", // POST /v1/auth/login/verify-otp
  refreshTokens: "public", // POST /v1/auth/refresh
  logout: "optional", // POST /v1/auth/logout
  register: "public", // POST /v1/auth/register
  forgotPassword: "public", // POST /v1/auth/password/forgot
  resetPassword: "public", // POST /v1/auth/password/reset
  verifyContactChange: "public", // POST /v1/auth/contact/verify
  undoContactChange: "public", // POST /v1/auth/contact/undo
  changePassword: "authenticated", // POST /v1/auth/password/change
  verifyPassword: "authenticated", // POST /v1/auth/password/verify
  requestOtp: "optional", // POST /v1/auth/2fa/request-otp
  enableTwoFactor: "authenticated", // POST /v1/auth/2fa/enable
  disableTwoFactor: "authenticated", // POST /v1/auth/2fa/disable
  validateToken: "authenticated", // GET /v1/auth/token/validate
  getJwks: "public", // GET /.well-known/jwks.json
  getMe: "authenticated", // GET /v1/me
  updateMe: "authenticated", // PATCH /v1/me
  setPushToken: "authenticated", // PUT /v1/me/push-token
  listUsers: "users:read", // GET /v1/users
  createUser: "users:create", // POST /v1/users
  listPendingUsers: "users:approve", // GET /v1/users/pending
  getUser: "users:read", // GET /v1/users/{id}
  updateUser: "users:update", // PATCH /v1/users/{id}
  deleteUser: "users:delete", // DELETE /v1/users/{id}
  activateUser: "users:update", // POST /v1/users/{id}/activate
  deactivateUser: "users:update", // POST /v1/users/{id}/deactivate
  approveUser: "users:approve", // POST /v1/users/{id}/approve
  rejectUser: "users:approve", // POST /v1/users/{id}/reject
  setUserPassword: "users:set_password", // POST /v1/users/{id}/password
  listPermissions: "roles:read", // GET /v1/permissions
  listRoles: "roles:read", // GET /v1/roles
  createRole: "roles:write", // POST /v1/roles
  getRole: "roles:read", // GET /v1/roles/{key}
  updateRole: "roles:write", // PATCH /v1/roles/{key}
  deleteRole: "roles:write", // DELETE /v1/roles/{key}
  getRolePool: "tickets:assign", // GET /v1/roles/{key}/pool
  listDeliveries: "notifications:admin", // GET /v1/notifications/deliveries
  retryDelivery: "notifications:admin", // POST /v1/notifications/deliveries/{id}/retry
  listNotifications: "authenticated", // GET /v1/notifications
  markAllNotificationsRead: "authenticated", // POST /v1/notifications/read-all
  markNotificationRead: "authenticated", // POST /v1/notifications/{id}/read
  getNotificationPreferences: "authenticated", // GET /v1/me/notification-preferences
  setNotificationPreferences: "authenticated", // PUT /v1/me/notification-preferences
  listAuditLog: "audit:read", // GET /v1/audit-log
  listCalendars: "calendars:read", // GET /v1/calendars
  createCalendar: "calendars:manage", // POST /v1/calendars
  getCalendar: "calendars:read", // GET /v1/calendars/{id}
  updateCalendar: "calendars:manage", // PATCH /v1/calendars/{id}
  deleteCalendar: "calendars:manage", // DELETE /v1/calendars/{id}
  getCalendarWorkingTime: "calendars:read", // GET /v1/calendars/{id}/working-time
  listSlaPolicies: "calendars:read", // GET /v1/sla-policies
  createSlaPolicy: "calendars:manage", // POST /v1/sla-policies
  getSlaPolicy: "calendars:read", // GET /v1/sla-policies/{id}
  updateSlaPolicy: "calendars:manage", // PATCH /v1/sla-policies/{id}
  deleteSlaPolicy: "calendars:manage", // DELETE /v1/sla-policies/{id}
  listWebhooks: "webhooks:manage", // GET /v1/webhooks
  createWebhook: "webhooks:manage", // POST /v1/webhooks
  getWebhook: "webhooks:manage", // GET /v1/webhooks/{id}
  updateWebhook: "webhooks:manage", // PATCH /v1/webhooks/{id}
  deleteWebhook: "webhooks:manage", // DELETE /v1/webhooks/{id}
  createEventsTicket: "authenticated", // POST /v1/events/ticket
  connectEvents: "public", // GET /v1/events
  getLatestLocations: "technicians:read", // GET /v1/technicians/locations/latest
  reportTechnicianLocation: "authenticated", // PUT /v1/technicians/{id}/location
  listCompanies: "companies:read", // GET /v1/companies
  createCompany: "companies:write", // POST /v1/companies
  getCompany: "companies:read", // GET /v1/companies/{id}
  updateCompany: "companies:write", // PATCH /v1/companies/{id}
  deleteCompany: "companies:write", // DELETE /v1/companies/{id}
  listCustomers: "customers:read", // GET /v1/customers
  createCustomer: "customers:write", // POST /v1/customers
  getCustomer: "customers:read", // GET /v1/customers/{id}
  updateCustomer: "customers:write", // PATCH /v1/customers/{id}
  deleteCustomer: "customers:write", // DELETE /v1/customers/{id}
  listAssets: "assets:read", // GET /v1/assets
  createAsset: "assets:write", // POST /v1/assets
  getAsset: "assets:read", // GET /v1/assets/{id}
  updateAsset: "assets:write", // PATCH /v1/assets/{id}
  deleteAsset: "assets:write", // DELETE /v1/assets/{id}
  listTechnicians: "technicians:read", // GET /v1/technicians
  getTechnician: "technicians:read", // GET /v1/technicians/{id}
  updateTechnician: "technicians:write", // PATCH /v1/technicians/{id}
  setTechnicianAvailability: "authenticated", // PUT /v1/technicians/{id}/availability
  listTimeOff: "authenticated", // GET /v1/time-off
  createTimeOff: "authenticated", // POST /v1/time-off
  getTimeOff: "authenticated", // GET /v1/time-off/{id}
  approveTimeOff: "technicians:write", // POST /v1/time-off/{id}/approve
  rejectTimeOff: "technicians:write", // POST /v1/time-off/{id}/reject
  cancelTimeOff: "authenticated", // POST /v1/time-off/{id}/cancel
  getTechnicianAvailability: "appointments:read", // GET /v1/technicians/{id}/availability
  listTeams: "technicians:read", // GET /v1/teams
  getTeam: "technicians:read", // GET /v1/teams/{supervisor_id}
  assignToTeam: "technicians:write", // POST /v1/teams/{supervisor_id}/assign
  unassignFromTeam: "technicians:write", // POST /v1/teams/{supervisor_id}/unassign
  listTickets: "tickets:read", // GET /v1/tickets
  createTicket: "tickets:create", // POST /v1/tickets
  bulkAssignTickets: "tickets:assign", // POST /v1/tickets/assign
  runAutoAssign: "tickets:assign", // POST /v1/tickets/auto-assign
  getTicket: "tickets:read", // GET /v1/tickets/{id}
  updateTicket: "tickets:assign", // PATCH /v1/tickets/{id}
  assignTicket: "tickets:assign", // POST /v1/tickets/{id}/assign
  unassignTicket: "tickets:assign", // POST /v1/tickets/{id}/unassign
  setTicketSla: "tickets:sla", // POST /v1/tickets/{id}/sla
  getTicketSla: "tickets:read", // GET /v1/tickets/{id}/sla
  getTicketChecklist: "tickets:read", // GET /v1/tickets/{id}/checklist
  updateTicketChecklistItem: "tickets:update", // PATCH /v1/tickets/{id}/checklist/{item}
  listJobTemplates: "templates:read", // GET /v1/job-templates
  listMaintenancePlans: "maintenance:read", // GET /v1/maintenance-plans
  createMaintenancePlan: "maintenance:manage", // POST /v1/maintenance-plans
  getMaintenancePlan: "maintenance:read", // GET /v1/maintenance-plans/{id}
  updateMaintenancePlan: "maintenance:manage", // PATCH /v1/maintenance-plans/{id}
  pauseMaintenancePlan: "maintenance:manage", // POST /v1/maintenance-plans/{id}/pause
  resumeMaintenancePlan: "maintenance:manage", // POST /v1/maintenance-plans/{id}/resume
  endMaintenancePlan: "maintenance:manage", // POST /v1/maintenance-plans/{id}/end
  listMaintenanceOccurrences: "maintenance:read", // GET /v1/maintenance-plans/{id}/occurrences
  skipMaintenanceOccurrence: "maintenance:manage", // POST /v1/maintenance-plans/{id}/occurrences/{date}/skip
  startCustomerDataExport: "customers:write", // POST /v1/customers/{id}/data-export
  startOwnDataExport: "authenticated", // POST /v1/me/data-export
  registerOwnServiceCard: "authenticated", // POST /v1/me/service-cards
  setOwnAvatar: "authenticated", // PUT /v1/me/avatar
  removeOwnAvatar: "authenticated", // DELETE /v1/me/avatar
  getUserAvatar: "authenticated", // GET /v1/users/{id}/avatar
  updateOwnServiceCard: "authenticated", // PATCH /v1/me/service-cards/{id}
  eraseCustomer: "customers:erase", // POST /v1/customers/{id}/erase
  listCustomerHistory: "tickets:read", // GET /v1/customers/{id}/history
  listArchiveMonths: "archive:manage", // GET /v1/archive/months
  archiveMonth: "archive:manage", // POST /v1/archive/months/{month}/archive
  restoreArchivedMonth: "archive:manage", // POST /v1/archive/months/{month}/restore
  listOffers: "offers:read", // GET /v1/offers
  createOffer: "offers:manage", // POST /v1/offers
  getOffer: "offers:read", // GET /v1/offers/{id}
  updateOffer: "offers:manage", // PATCH /v1/offers/{id}
  listServiceContracts: "contracts:read", // GET /v1/service-contracts
  createServiceContract: "contracts:manage", // POST /v1/service-contracts
  getServiceContract: "contracts:read", // GET /v1/service-contracts/{id}
  updateServiceContract: "contracts:manage", // PATCH /v1/service-contracts/{id}
  cancelServiceContract: "contracts:manage", // POST /v1/service-contracts/{id}/cancel
  renewServiceContract: "contracts:manage", // POST /v1/service-contracts/{id}/renew
  listContractsEnding: "contracts:read", // GET /v1/reports/contracts-ending
  createJobTemplate: "templates:manage", // POST /v1/job-templates
  getJobTemplate: "templates:read", // GET /v1/job-templates/{id}
  updateJobTemplate: "templates:manage", // PATCH /v1/job-templates/{id}
  getTicketCandidates: "tickets:assign", // GET /v1/tickets/{id}/candidates
  rescheduleBooking: "tickets:update", // POST /v1/tickets/{id}/reschedule
  listTicketComments: "tickets:read", // GET /v1/tickets/{id}/comments
  addTicketComment: "tickets:comment", // POST /v1/tickets/{id}/comments
  listTicketAttachments: "tickets:read", // GET /v1/tickets/{id}/attachments
  addTicketAttachment: "tickets:comment", // POST /v1/tickets/{id}/attachments
  downloadTicketAttachment: "tickets:read", // GET /v1/tickets/{id}/attachments/{attachment_id}
  listTicketHistory: "tickets:read", // GET /v1/tickets/{id}/history
  listWorkLogs: "tickets:read", // GET /v1/tickets/{id}/work-logs
  addWorkLog: "tickets:update", // POST /v1/tickets/{id}/work-logs
  requestCompletionCode: "tickets:update", // POST /v1/tickets/{id}/completion-code
  completeTicket: "tickets:update", // POST /v1/tickets/{id}/complete
  listCustomerTickets: "customers:read", // GET /v1/customers/{id}/tickets
  getWorkload: "tickets:read", // GET /v1/workload
  getTechnicianWorkload: "tickets:read", // GET /v1/technicians/{id}/workload
  openTicket: "tickets:update", // POST /v1/tickets/{id}/open
  startTicket: "tickets:update", // POST /v1/tickets/{id}/start
  holdTicket: "tickets:update", // POST /v1/tickets/{id}/hold
  resumeTicket: "tickets:update", // POST /v1/tickets/{id}/resume
  resolveTicket: "tickets:update", // POST /v1/tickets/{id}/resolve
  approveTicket: "tickets:update", // POST /v1/tickets/{id}/approve
  rejectTicket: "tickets:update", // POST /v1/tickets/{id}/reject
  cancelTicket: "tickets:update", // POST /v1/tickets/{id}/cancel
  reopenTicket: "tickets:update", // POST /v1/tickets/{id}/reopen
  listBuckets: "tickets:read", // GET /v1/buckets
  createBucket: "tickets:read", // POST /v1/buckets
  updateBucket: "tickets:read", // PATCH /v1/buckets/{id}
  deleteBucket: "tickets:read", // DELETE /v1/buckets/{id}
  refreshBucket: "tickets:read", // POST /v1/buckets/{id}/refresh
  getTicketAvailability: "appointments:read", // GET /v1/availability
  createAppointment: "appointments:write", // POST /v1/appointments
  createSlotHold: "appointments:write", // POST /v1/availability/holds
  deleteSlotHold: "appointments:write", // DELETE /v1/availability/holds/{id}
  listAppointments: "appointments:read", // GET /v1/appointments
  getAppointmentSummary: "appointments:read", // GET /v1/appointments/summary
  getAppointment: "appointments:read", // GET /v1/appointments/{id}
  rescheduleAppointment: "appointments:write", // POST /v1/appointments/{id}/reschedule
  createAppointmentLink: "appointments:links", // POST /v1/tickets/{id}/appointment-link
  rateTicket: "tickets:read", // POST /v1/tickets/{id}/rating
  listFeedback: "feedback:read", // GET /v1/feedback
  getPublicAppointment: "public", // GET /v1/public/appointments/{token}
  getPublicAvailability: "public", // GET /v1/public/appointments/{token}/availability
  publicHold: "public", // POST /v1/public/appointments/{token}/hold
  publicSchedule: "public", // POST /v1/public/appointments/{token}/schedule
  publicReschedule: "public", // POST /v1/public/appointments/{token}/reschedule
  publicShareLocation: "public", // PATCH /v1/public/appointments/{token}/location
  publicFeedback: "public", // POST /v1/public/appointments/{token}/feedback
  publicSetLanguage: "public", // PUT /v1/public/appointments/{token}/language
  publicCancel: "public", // POST /v1/public/appointments/{token}/cancel
  publicRenewLink: "public", // POST /v1/public/appointments/{token}/renew
  confirmAppointment: "appointments:write", // POST /v1/appointments/{id}/confirm
  departAppointment: "appointments:write", // POST /v1/appointments/{id}/depart
  arriveAppointment: "appointments:write", // POST /v1/appointments/{id}/arrive
  startAppointment: "appointments:write", // POST /v1/appointments/{id}/start
  completeAppointment: "appointments:write", // POST /v1/appointments/{id}/complete
  cancelAppointment: "appointments:write", // POST /v1/appointments/{id}/cancel
  getMyAttendance: "authenticated", // GET /v1/attendance/me
  listAttendance: "attendance:read", // GET /v1/attendance
  markAttendance: "attendance:write", // POST /v1/attendance/mark
  bulkMarkAttendance: "attendance:write", // POST /v1/attendance/bulk
  listInventoryItems: "inventory:read", // GET /v1/inventory/items
  createInventoryItem: "inventory:manage", // POST /v1/inventory/items
  getInventoryItem: "inventory:read", // GET /v1/inventory/items/{id}
  updateInventoryItem: "inventory:manage", // PATCH /v1/inventory/items/{id}
  retireInventoryItem: "inventory:manage", // DELETE /v1/inventory/items/{id}
  getInventoryItemStock: "inventory:read", // GET /v1/inventory/items/{id}/stock
  receiveStock: "inventory:manage", // POST /v1/inventory/receipts
  adjustStock: "inventory:manage", // POST /v1/inventory/adjustments
  transferStock: "inventory:manage", // POST /v1/inventory/transfers
  listStockMovements: "inventory:read", // GET /v1/inventory/movements
  issueEquipment: "inventory:manage", // POST /v1/inventory/assignments
  listEquipmentAssignments: "authenticated", // GET /v1/inventory/assignments
  getEquipmentAssignment: "authenticated", // GET /v1/inventory/assignments/{id}
  returnEquipment: "authenticated", // POST /v1/inventory/assignments/{id}/return
  getVanStock: "authenticated", // GET /v1/inventory/vans/{technician_id}
  getInventoryReport: "inventory:read", // GET /v1/inventory/report
  getDashboard: "reports:read", // GET /v1/reports/dashboard
  getTeamPerformanceReport: "reports:read", // GET /v1/reports/technicians
  getTechnicianPerformance: "authenticated", // GET /v1/technicians/{id}/performance
  getPeriodReport: "reports:read", // GET /v1/reports/periods
  getTicketReport: "reports:read", // GET /v1/reports/tickets
  getServicesReport: "reports:read", // GET /v1/reports/services
  getWarrantyEligibleCards: "reports:read", // GET /v1/reports/warranty-eligible
  getUpcomingServices: "reports:read", // GET /v1/reports/upcoming-services
  startReportExport: "reports:read", // POST /v1/reports/exports
  rebuildReportAggregates: "reports:manage", // POST /v1/reports/rebuild
  listPublicApplications: "public", // GET /v1/applications/public
  listApplications: "applications:read", // GET /v1/applications
  createApplication: "applications:write", // POST /v1/applications
  getApplication: "applications:read", // GET /v1/applications/{id}
  updateApplication: "applications:write", // PATCH /v1/applications/{id}
  listApplicationRoles: "applications:read", // GET /v1/applications/{id}/roles
  createApplicationRole: "applications:write", // POST /v1/applications/{id}/roles
  updateApplicationRole: "applications:write", // PATCH /v1/applications/{id}/roles/{role_id}
  deleteApplicationRole: "applications:write", // DELETE /v1/applications/{id}/roles/{role_id}
  getApplicationPool: "applications:read", // GET /v1/applications/{id}/pool
  takeApplicationPoolTurn: "applications:read", // POST /v1/applications/{id}/pool/next
  listApplicationGrants: "applications:read", // GET /v1/application-grants
  createApplicationGrant: "applications:write", // POST /v1/application-grants
  getApplicationGrant: "applications:read", // GET /v1/application-grants/{id}
  updateApplicationGrant: "applications:write", // PATCH /v1/application-grants/{id}
  deleteApplicationGrant: "applications:write", // DELETE /v1/application-grants/{id}
  listApiKeys: "api_keys:manage", // GET /v1/api-keys
  createApiKey: "api_keys:manage", // POST /v1/api-keys
  getApiKey: "api_keys:manage", // GET /v1/api-keys/{id}
  revokeApiKey: "api_keys:manage", // POST /v1/api-keys/{id}/revoke
  rotateApiKey: "api_keys:manage", // POST /v1/api-keys/{id}/rotate
  clientCredentialsToken: "public", // POST /v1/oauth/token (the key's secret is the credential)
  lookupUser: "users:lookup", // GET /v1/internal/users/{id}
  lookupUsers: "users:lookup", // POST /v1/internal/users/lookup
  lookupCompanyUsers: "users:lookup", // GET /v1/internal/companies/{id}/users
  lookupEmployee: "users:lookup", // GET /v1/internal/employees/{id}
  getMyAttendanceToday: "authenticated", // GET /v1/attendance/me/today
  importCustomers: "imports:records", // POST /v1/imports/customers
  importSubscribers: "imports:records", // POST /v1/imports/subscribers
  importTickets: "imports:tickets", // POST /v1/imports/tickets
  importServiceCards: "imports:records", // POST /v1/imports/service-cards
  importInventoryItems: "imports:records", // POST /v1/imports/inventory-items
  getImportTemplate: "authenticated", // GET /v1/imports/{kind}/template
  listJobs: "authenticated", // GET /v1/jobs
  getJob: "authenticated", // GET /v1/jobs/{id}
  cancelJob: "authenticated", // POST /v1/jobs/{id}/cancel
  downloadJobFile: "authenticated", // GET /v1/jobs/{id}/download
  syncMobile: "tickets:read", // POST /v1/mobile/sync
  applyMobileActions: "tickets:update", // POST /v1/mobile/actions
  listMobileDevices: "authenticated", // GET /v1/mobile/devices
  revokeMobileDevice: "authenticated", // POST /v1/mobile/devices/{id}/revoke
  createUpload: "tickets:comment", // POST /v1/uploads
  getUpload: "tickets:read", // GET /v1/uploads/{id}
  downloadUpload: "tickets:read", // GET /v1/uploads/{id}/content
  attachUpload: "tickets:comment", // POST /v1/uploads/{id}/attach
  listRegions: "authenticated", // GET /v1/regions
  createRegion: "network:admin", // POST /v1/regions
  updateRegion: "network:admin", // PATCH /v1/regions/{id}
  deleteRegion: "network:admin", // DELETE /v1/regions/{id}
  listLocalities: "authenticated", // GET /v1/localities
  createLocality: "network:admin", // POST /v1/localities
  updateLocality: "network:admin", // PATCH /v1/localities/{id}
  deleteLocality: "network:admin", // DELETE /v1/localities/{id}
  listCablePrices: "network:read", // GET /v1/network/cable-prices
  getCablePrice: "network:read", // GET /v1/network/cable-prices/{cable_type}
  setCablePrice: "network:admin", // PUT /v1/network/cable-prices/{cable_type}
  listCopperTheftIncidents: "network:read", // GET /v1/network/incidents
  createCopperTheftIncident: "network:manage", // POST /v1/network/incidents
  getCopperTheftIncident: "network:read", // GET /v1/network/incidents/{id}
  updateCopperTheftIncident: "network:manage", // PATCH /v1/network/incidents/{id}
  deleteCopperTheftIncident: "network:manage", // DELETE /v1/network/incidents/{id}
  listAffectedCustomers: "network:read", // GET /v1/network/incidents/{id}/affected-customers
  addAffectedCustomers: "network:manage", // POST /v1/network/incidents/{id}/affected-customers
  deleteAllAffectedCustomers: "network:manage", // DELETE /v1/network/incidents/{id}/affected-customers
  getAffectedCustomer: "network:read", // GET /v1/network/affected-customers/{id}
  updateAffectedCustomer: "network:manage", // PATCH /v1/network/affected-customers/{id}
  deleteAffectedCustomer: "network:manage", // DELETE /v1/network/affected-customers/{id}
  raiseRestorationTickets: "network:manage", // POST /v1/network/incidents/{id}/restoration-tickets
  getCopperTheftReport: "network:read", // GET /v1/network/reports/copper-theft
  listObjectComments: "authenticated", // GET /v1/comments
  addObjectComment: "authenticated", // POST /v1/comments
  getObjectComment: "authenticated", // GET /v1/comments/{id}
  updateObjectComment: "authenticated", // PATCH /v1/comments/{id}
  deleteObjectComment: "authenticated", // DELETE /v1/comments/{id}
  listNetworkNodes: "network:provision", // GET /v1/network/nodes
  checkOntLink: "authenticated", // GET /v1/network/link-check (others than provisioners: their own tickets only)
  subscriberHealth: "authenticated", // GET /v1/network/health (others than provisioners: their own tickets only)
  listUnprovisionedOnts: "network:provision", // GET /v1/network/onts/unprovisioned
  provisionService: "network:provision", // POST /v1/network/provisioning/services
  changeCpe: "network:provision", // POST /v1/network/provisioning/change-cpe
  deleteOnt: "network:provision", // DELETE /v1/network/onts/{serial}
  listAvailableVlans: "network:provision", // GET /v1/network/nodes/{node}/vlans/available
  createVlans: "network:provision", // POST /v1/network/nodes/{node}/vlans
  listUnusedVlans: "network:provision", // GET /v1/network/vlans/unused
  deleteUnusedVlans: "network:provision", // POST /v1/network/vlans/unused/delete
  searchSubscribers: "network:provision", // GET /v1/network/subscribers
  lookupSubscriber: "network:provision", // GET /v1/network/subscribers/{subscriber_id}
  listProvisioningActions: "network:provision", // GET /v1/network/provisioning/actions
  getProvisioningAction: "network:provision", // GET /v1/network/provisioning/actions/{id}
};

/**
 * Relation × route for ticket-scoped reads and moves: what each relation to one ticket gets.
 * 200 = served; 403 = sees the ticket but may not do this; 404 = may not know it exists.
 * `none` is a signed-in user with no relation at all (another customer).
 */
export type Relation = "own" | "assigned" | "team" | "other_technician" | "other_supervisor" | "none";
export const TICKET_RELATIONS: { route: string; method: string; body?: unknown; expect: Record<Relation, number> }[] = [
  {
    method: "GET",
    route: "/v1/tickets/{id}",
    expect: { own: 200, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "GET",
    route: "/v1/tickets/{id}/comments",
    expect: { own: 200, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "GET",
    route: "/v1/tickets/{id}/attachments",
    expect: { own: 200, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "GET",
    route: "/v1/tickets/{id}/history",
    expect: { own: 200, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "GET",
    route: "/v1/tickets/{id}/work-logs",
    expect: { own: 200, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "POST",
    route: "/v1/tickets/{id}/comments",
    body: { body: "hello" },
    expect: { own: 201, assigned: 201, team: 201, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "PATCH",
    route: "/v1/tickets/{id}",
    body: { title: "Renamed" },
    expect: { own: 403, assigned: 403, team: 200, other_technician: 403, other_supervisor: 404, none: 403 },
  },
  {
    method: "POST",
    route: "/v1/tickets/{id}/work-logs",
    body: { work_detail: "Checked the line" },
    expect: { own: 403, assigned: 201, team: 201, other_technician: 404, other_supervisor: 404, none: 404 },
  },
  {
    method: "POST",
    route: "/v1/tickets/{id}/hold",
    body: {},
    expect: { own: 403, assigned: 200, team: 200, other_technician: 404, other_supervisor: 404, none: 404 },
  },
];

/**
 * Who may change whom. Custom roles used below: `power` holds more than a manager (a manager's
 * permissions plus webhooks:manage), `helpdesk` runs customer accounts (the users:* permissions
 * plus exactly what a customer holds), `lesser` holds one permission.
 */
export const CUSTOM_ROLES = {
  power: [...BUILTIN_ROLES.manager.permissions, "webhooks:manage"],
  helpdesk: ["users:read", "users:update", "users:delete", "users:set_password", ...BUILTIN_ROLES.customer.permissions],
  lesser: ["tickets:read"],
} satisfies Record<string, Permission[]>;

export type Actor = "admin" | "manager" | "helpdesk";
export type Target = "admin" | "manager" | "technician" | "customer" | "power" | "helpdesk";

/** Every mutation of another user; each must obey the rule, and a refused one changes nothing. */
export const USER_MUTATIONS: { name: string; method: string; path: string; body?: () => unknown; needs: Permission }[] =
  [
    {
      name: "re-identify: email",
      method: "PATCH",
      path: "/v1/users/{id}",
      body: () => ({ email: `taken-over-${crypto.randomUUID().slice(0, 8)}@example.test` }),
      needs: "users:update",
    },
    {
      name: "re-identify: username",
      method: "PATCH",
      path: "/v1/users/{id}",
      body: () => ({ username: `takeover${crypto.randomUUID().slice(0, 8)}` }),
      needs: "users:update",
    },
    {
      name: "re-identify: phone",
      method: "PATCH",
      path: "/v1/users/{id}",
      body: () => ({ phone: `+26772${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}` }),
      needs: "users:update",
    },
    {
      name: "rename",
      method: "PATCH",
      path: "/v1/users/{id}",
      body: () => ({ first_name: "Renamed" }),
      needs: "users:update",
    },
    { name: "deactivate", method: "POST", path: "/v1/users/{id}/deactivate", needs: "users:update" },
    { name: "delete", method: "DELETE", path: "/v1/users/{id}", needs: "users:delete" },
    {
      name: "reset password",
      method: "POST",
      path: "/v1/users/{id}/password",
      body: () => ({ password: "taken over 123" }),
      needs: "users:set_password",
    },
  ];

/** actor → targets they may change (any mutation they hold the permission for); every other target is 403. */
export const MAY_CHANGE: Record<Actor, Target[]> = {
  admin: ["admin", "manager", "technician", "customer", "power", "helpdesk"],
  manager: ["manager", "technician", "customer"],
  helpdesk: ["customer", "helpdesk"],
};

/** actor → roles they may grant (create a user with, or move a user to); every other role is 403. */
export const MAY_GRANT: Record<Actor, string[]> = {
  admin: ["admin", "manager", "technician", "customer", "power", "helpdesk", "lesser"],
  manager: ["manager", "supervisor", "dispatcher", "technician", "customer", "lesser"],
  helpdesk: ["customer", "helpdesk", "lesser"],
};

/**
 * Every id named in a request is scoped like the object it names. Each row is one request by one
 * member of the cast (see `idCast` in the test), naming someone inside or outside their reach.
 */
export interface IdCase {
  route: string;
  who: string;
  names: "inside" | "outside";
  expect: number;
}
export const REQUEST_ID_RELATIONS: IdCase[] = [
  { route: "POST /v1/appointments technician_id", who: "supervisor", names: "inside", expect: 201 },
  { route: "POST /v1/appointments technician_id", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/appointments technician_id", who: "assigned technician", names: "inside", expect: 201 },
  { route: "POST /v1/appointments technician_id", who: "assigned technician", names: "outside", expect: 403 },
  { route: "POST /v1/appointments technician_id", who: "dispatcher", names: "outside", expect: 201 },
  { route: "POST /v1/tickets/{id}/assign technician_ids", who: "supervisor", names: "inside", expect: 200 },
  { route: "POST /v1/tickets/{id}/assign technician_ids", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/attendance/mark user_id", who: "supervisor", names: "inside", expect: 200 },
  { route: "POST /v1/attendance/mark user_id", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/attendance/bulk present", who: "supervisor", names: "inside", expect: 200 },
  { route: "POST /v1/attendance/bulk present", who: "supervisor", names: "outside", expect: 403 },
  { route: "PATCH /v1/technicians/{id}", who: "supervisor", names: "inside", expect: 200 },
  { route: "PATCH /v1/technicians/{id}", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/teams/{supervisor_id}/assign", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/teams/{own id}/assign", who: "supervisor", names: "outside", expect: 403 },
  { route: "POST /v1/teams/{own id}/assign", who: "supervisor", names: "inside", expect: 200 },
  { route: "POST /v1/teams/{own id}/assign no team", who: "supervisor", names: "outside", expect: 403 },
  { route: "PATCH /v1/technicians/{id} supervisor_id", who: "supervisor", names: "outside", expect: 403 },
  { route: "GET /v1/technicians/{id}/availability", who: "supervisor", names: "inside", expect: 200 },
  { route: "GET /v1/technicians/{id}/availability", who: "supervisor", names: "outside", expect: 404 },
  { route: "GET /v1/technicians/{id}/availability", who: "customer", names: "inside", expect: 200 },
  { route: "GET /v1/technicians/{id}/availability", who: "customer", names: "outside", expect: 404 },
  { route: "GET /v1/customers/{id}", who: "assigned technician", names: "inside", expect: 200 },
  { route: "GET /v1/customers/{id}", who: "assigned technician", names: "outside", expect: 404 },
  { route: "GET /v1/customers/{id}/tickets", who: "assigned technician", names: "outside", expect: 404 },
  { route: "GET /v1/assets/{id}", who: "assigned technician", names: "inside", expect: 200 },
  { route: "GET /v1/assets/{id}", who: "assigned technician", names: "outside", expect: 404 },
];
