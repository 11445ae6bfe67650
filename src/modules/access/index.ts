// Who sees what: the object-level rules every module scopes its queries by — tickets (all / team /
// own and assigned), the customers and service cards those tickets reach, and the technicians a
// caller may name in a request. No routes; every other module reads its scope from here.
export {
  canTriage,
  findVisibleTicket,
  linkedCustomerId,
  linkedCustomerReads,
  relationsFrom,
  relationsOf,
  scopeOf,
  visibleTickets,
  visibleArchivedTickets,
  withVisibleTicket,
  type Relation,
  type Scope,
  type TicketRow,
} from "./tickets";
export { seesNationalId, visibleCustomers } from "./customers";
export { assertTechniciansInReach, outsideReach } from "./technicians";
