// Network provisioning through the element manager (NET-3): ONT link checks and subscriber
// health (also for technicians on their own tickets), services, CPE changes, ONT deletion, VLANs
// handed out by one writer per node, subscriber search, and the provisioning log.
import { createRouter } from "../../lib/create-router";
import * as h from "./provisioning.handlers";
import * as r from "./provisioning.routes";

export const provisioningModule = createRouter()
  .openapi(r.listNetworkNodes, h.listNetworkNodes)
  .openapi(r.checkOntLink, h.checkOntLink)
  .openapi(r.subscriberHealth, h.subscriberHealth)
  .openapi(r.listUnprovisionedOnts, h.listUnprovisionedOnts)
  .openapi(r.provisionService, h.provisionService)
  .openapi(r.changeCpe, h.changeCpe)
  .openapi(r.deleteOnt, h.deleteOnt)
  .openapi(r.listAvailableVlans, h.listAvailableVlans)
  .openapi(r.createVlans, h.createVlans)
  .openapi(r.listUnusedVlans, h.listUnusedVlans)
  .openapi(r.deleteUnusedVlans, h.deleteUnusedVlans)
  .openapi(r.searchSubscribers, h.searchSubscribers)
  .openapi(r.lookupSubscriber, h.lookupSubscriber)
  .openapi(r.listProvisioningActions, h.listProvisioningActions)
  .openapi(r.getProvisioningAction, h.getProvisioningAction);
export { settleAbandonedActions } from "./provisioning.service";
export { pruneProvisioningLog } from "./retention";
