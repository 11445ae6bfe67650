/**
 * Every permission string the API checks, with what it allows. Routes declare one of these with
 * `requirePermission`; roles are sets of them. Later modules add theirs here.
 */
export const PERMISSIONS = {
  "users:read": "List and read user accounts",
  "users:create": "Create user accounts",
  "users:update": "Update user accounts, activate and deactivate them",
  "users:delete": "Soft-delete user accounts",
  "users:approve": "Approve or reject pending registrations",
  "users:set_password": "Set another user's password",
  "roles:read": "List roles and permissions",
  "roles:write": "Create, update and delete custom roles",
  "companies:read": "Read contractor companies",
  "companies:write": "Create, update and delete contractor companies",
  "customers:read": "Read customers",
  "customers:write": "Create, update and delete customers",
  "assets:read": "Read service cards (customers: their own)",
  "assets:write": "Create, update and delete service cards",
  "technicians:read": "Read technician profiles and teams",
  "technicians:write": "Manage technician profiles and teams",
  "tickets:create": "Create tickets and service bookings",
  "tickets:read": "Read tickets within the caller's scope",
  "tickets:update": "Edit tickets and drive their workflow",
  "tickets:assign": "Assign and unassign technicians; triage (open, reopen)",
  "tickets:comment": "Comment on tickets",
  "tickets:internal": "Read and write internal notes",
  "tickets:sla": "Set SLA targets",
  "tickets:scope_all": "See every ticket (otherwise: own, assigned, and with scope_team the team's)",
  "tickets:scope_team": "See the tickets of your team",
  "appointments:read": "Read appointments within the caller's ticket scope",
  "appointments:write": "Book, move and progress appointments",
  "appointments:links": "Send customers appointment links",
  "feedback:read": "Read feedback and ratings",
  "attendance:read": "Read attendance",
  "attendance:write": "Mark attendance",
  "reports:read": "Read reports and dashboards",
  "reports:manage": "Rebuild the report aggregates",
  "inventory:read": "Read the catalogue, stock by location, the ledger and equipment assignments",
  "inventory:manage": "Manage items, receive, adjust and transfer stock, issue and take back equipment",
  "applications:read":
    "List the applications truckroll signs users in to, their roles, who holds them, and their round-robin pools",
  "applications:write": "Register and change applications and their roles; grant and remove users' roles in them",
  "api_keys:manage": "Create, rotate and revoke API keys for services and integrations",
  "users:lookup": "Look users up for another service: by id, a batch of ids, by company, as employees",
  "imports:records": "Import customers, service cards and inventory items from CSV files",
  "imports:tickets": "Import tickets from CSV files",
  "jobs:read_all": "Read every user's background jobs (imports, exports); their files stay their starter's",
  "notifications:admin": "Read the delivery log and replay deliveries",
  "webhooks:manage": "Manage outbound webhooks",
  "network:read": "Read copper-theft incidents, their affected customers and the cable price list",
  "network:manage": "Record and update copper-theft incidents and their affected customers; raise restoration tickets",
  "network:admin": "Manage regions, localities and the cable price list",
  "network:provision":
    "Provision the fibre network through the element manager: ONT link checks, services, CPE changes, ONT deletion, VLANs, subscriber search and health; read the provisioning log",
  "dev:outbox": "Read the local development outbox",
  "audit:read": "Read the audit log of administrative changes",
  "calendars:read": "Read business-hours calendars, what working time on them ends when, and SLA policies",
  "calendars:manage": "Create, change and delete business-hours calendars (and choose the default) and SLA policies",
  "templates:read": "Read job templates (what a kind of job takes, and its checklist)",
  "templates:manage": "Create, change and retire job templates",
  "maintenance:read": "Read maintenance plans and their occurrences",
  "maintenance:manage": "Create, change, pause, resume and end maintenance plans; skip an occurrence",
  "contracts:read": "Read service contracts and the contracts-ending report",
  "contracts:manage": "Create, change, renew and cancel service contracts",
  "customers:erase": "Erase a customer's personal data (cannot be undone)",
  "archive:manage": "Move closed work to the archive now, and restore an archived month",
  "offers:read": "Read the catalogue of offers (packages) customers subscribe to",
  "offers:manage": "Create, change and retire offers",
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export const BUILTIN_ROLES = {
  admin: { name: "Administrator", description: "Everything", permissions: ALL_PERMISSIONS },
  manager: {
    name: "Manager",
    description: "Runs operations: users, teams, work and reports",
    permissions: ALL_PERMISSIONS.filter(
      (p) =>
        ![
          "roles:write",
          "users:set_password",
          "dev:outbox",
          "webhooks:manage",
          "jobs:read_all",
          "applications:write",
          "api_keys:manage",
          "audit:read",
          "calendars:manage",
          "archive:manage",
        ].includes(p),
    ),
  },
  supervisor: {
    name: "Supervisor (team leader)",
    description: "Leads a team of technicians",
    permissions: [
      "roles:read",
      "companies:read",
      "customers:read",
      "assets:read",
      "technicians:read",
      "technicians:write",
      "tickets:create",
      "tickets:read",
      "tickets:update",
      "tickets:assign",
      "tickets:comment",
      "tickets:internal",
      "tickets:scope_team",
      "appointments:read",
      "appointments:write",
      "appointments:links",
      "feedback:read",
      "attendance:read",
      "attendance:write",
      "reports:read",
      "inventory:read",
      "network:read",
      "calendars:read",
      "templates:read",
      "maintenance:read",
      "contracts:read",
      "offers:read",
    ],
  },
  dispatcher: {
    name: "Dispatcher",
    description: "Takes in work and dispatches technicians",
    permissions: [
      "roles:read",
      "companies:read",
      "customers:read",
      "customers:write",
      "assets:read",
      "assets:write",
      "technicians:read",
      "tickets:create",
      "tickets:read",
      "tickets:update",
      "tickets:assign",
      "tickets:comment",
      "tickets:internal",
      "tickets:scope_all",
      "appointments:read",
      "appointments:write",
      "appointments:links",
      "feedback:read",
      "attendance:read",
      "reports:read",
      "inventory:read",
      "imports:tickets",
      "network:read",
      "network:manage",
      "calendars:read",
      "templates:read",
      "maintenance:read",
      "maintenance:manage",
      "contracts:read",
      "offers:read",
    ],
  },
  technician: {
    name: "Technician",
    description: "Works the tickets assigned to them",
    permissions: [
      "customers:read",
      "assets:read",
      "tickets:read",
      "tickets:update",
      "tickets:comment",
      "tickets:internal",
      "appointments:read",
      "appointments:write",
      "feedback:read",
      "templates:read",
      "offers:read",
    ],
  },
  customer: {
    name: "Customer",
    description: "Raises and follows their own tickets",
    permissions: [
      "assets:read",
      "tickets:create",
      "tickets:read",
      "tickets:update",
      "tickets:comment",
      "appointments:read",
      "feedback:read",
      "offers:read",
    ],
  },
} satisfies Record<string, { name: string; description: string; permissions: Permission[] }>;

export type BuiltinRole = keyof typeof BUILTIN_ROLES;
export const BUILTIN_ROLE_KEYS = Object.keys(BUILTIN_ROLES) as BuiltinRole[];
/** Roles whose self-registrations wait for approval; customers are active at once. */
export const STAFF_ROLES: BuiltinRole[] = ["manager", "supervisor", "dispatcher", "technician"];

export function isBuiltinRole(key: string): key is BuiltinRole {
  return Object.hasOwn(BUILTIN_ROLES, key);
}

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

/** Resolves a role's permissions; custom role permissions come from D1, unknown strings are dropped. */
export function permissionsOf(role: string, customPermissions: string[] | null): Set<Permission> {
  if (isBuiltinRole(role)) return new Set<Permission>(BUILTIN_ROLES[role].permissions);
  return new Set((customPermissions ?? []).filter(isPermission));
}
