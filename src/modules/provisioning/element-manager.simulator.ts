import { z } from "@hono/zod-openapi";
import type { ElementManagerSimulator, SimulatorAnswer } from "../../durable-objects/element-manager-simulator";
import {
  CpeSchema,
  type ElementManager,
  ElementManagerError,
  expectAnswer,
  NodeSchema,
  OntLinkSchema,
  ProvisionedSchema,
  SubscriberSchema,
  UnprovisionedOntSchema,
  VlanSchema,
} from "./element-manager";
import { withReadRetries, withTimeout } from "./element-manager.calls";

const DeletedOntSchema = z.object({ serial: z.string(), node: z.string(), freed_vlan: z.number().int().nullable() });

/** The element manager simulator (a Durable Object holding a small network model) behind the adapter interface. */
export function simulatedElementManager(
  namespace: DurableObjectNamespace<ElementManagerSimulator>,
  timeoutMs: number,
): ElementManager {
  const simulator = namespace.get(namespace.idFromName("default"));

  async function once<T>(operation: string, args: unknown[], schema: z.ZodType<T>, write: boolean): Promise<T> {
    const answer = (await withTimeout(simulator.call(operation, args), timeoutMs, operation, write)) as SimulatorAnswer;
    if (answer.status === 200) return expectAnswer(schema, answer.value, operation, write);
    if (answer.status === 404) throw new ElementManagerError("not_found", answer.message, `404 ${answer.message}`);
    if (answer.status === 409) throw new ElementManagerError("rejected", answer.message, `409 ${answer.message}`);
    // The simulator refuses before it applies anything.
    throw new ElementManagerError(
      "unavailable",
      "The element manager failed to answer.",
      `${answer.status} ${answer.message}`,
    );
  }
  const read = <T>(operation: string, args: unknown[], schema: z.ZodType<T>) =>
    withReadRetries(() => once(operation, args, schema, false));
  const write = <T>(operation: string, args: unknown[], schema: z.ZodType<T>) => once(operation, args, schema, true);

  return {
    name: "simulator",
    listNodes: () => read("listNodes", [], NodeSchema.array()),
    linkCheck: (serial) => read("linkCheck", [serial], OntLinkSchema),
    unprovisionedOnts: (node) => read("unprovisionedOnts", [node ?? null], UnprovisionedOntSchema.array()),
    availableVlans: (node) => read("availableVlans", [node], z.number().int().array()),
    unusedVlans: (node) => read("unusedVlans", [node ?? null], VlanSchema.array()),
    deleteVlans: (node, vlans) => write("deleteVlans", [node, vlans], z.number().int().array()),
    createVlans: (node, serviceType, vlans) => write("createVlans", [node, serviceType, vlans], VlanSchema.array()),
    provisionService: (request) => write("provisionService", [request], ProvisionedSchema),
    deleteOnt: (serial) => write("deleteOnt", [serial], DeletedOntSchema),
    changeCpe: (subscriberId, cpeSerial) => write("changeCpe", [subscriberId, cpeSerial], CpeSchema),
    searchSubscribers: (query) => read("searchSubscribers", [query], SubscriberSchema.array()),
    lookupSubscriber: (subscriberId) => read("lookupSubscriber", [subscriberId], SubscriberSchema.nullable()),
  };
}
