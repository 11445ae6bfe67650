import { z } from "@hono/zod-openapi";
import { PROVISIONING_ACTIONS, PROVISIONING_OUTCOMES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { searchParam } from "../../lib/search";
import { foldIdentifier } from "../../lib/serials";
import {
  CpeSchema,
  NodeSchema,
  OntLinkSchema,
  ProvisionedSchema,
  SERVICE_TYPES,
  SubscriberSchema,
  UnprovisionedOntSchema,
  VlanSchema,
} from "./element-manager";

const serial = z
  .string()
  .overwrite(foldIdentifier)
  .min(4)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, "Letters, digits and . _ : - only");
const subscriberId = z.string().trim().min(1).max(64);
const nodeName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(
    /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'Letters, digits and . _ - only, starting with a letter or digit, no ".."',
  );
const vlanId = z.number().int().min(2).max(4094);
const serviceType = z.enum(SERVICE_TYPES).openapi({ description: "The service the VLAN carries" });
const id = z.string().min(1).max(64);

export const NodeParam = z.object({
  node: nodeName.openapi({
    param: { name: "node", in: "path" },
    description: "The OLT node's name",
    example: "GBE-OLT-01",
  }),
});
export const SerialParam = z.object({
  serial: serial.openapi({
    param: { name: "serial", in: "path" },
    description: "The ONT's serial number",
    example: "HWTC1A2B0001",
  }),
});
export const SubscriberParam = z.object({
  subscriber_id: subscriberId.openapi({
    param: { name: "subscriber_id", in: "path" },
    description: "The subscriber id (the customer's account number)",
    example: "SUB-100001",
  }),
});
export const ActionIdParam = z.object({
  id: id.openapi({
    param: { name: "id", in: "path" },
    description: "The provisioning action's id",
    example: "pva_0a1b2c3d4e5f6g7h8i9j",
  }),
});

const subjectQuery = {
  subscriber_id: subscriberId.optional().openapi({
    param: { name: "subscriber_id", in: "query" },
    description: "The subscriber (network provisioners only)",
    example: "SUB-100001",
  }),
  customer_id: id.optional().openapi({
    param: { name: "customer_id", in: "query" },
    description: "A customer the caller can see; their account number is the subscriber id (network provisioners only)",
  }),
  ticket_id: id.optional().openapi({
    param: { name: "ticket_id", in: "query" },
    description:
      "A ticket assigned to the caller (or any visible ticket for network provisioners): its customer's line is checked",
  }),
};
export const LinkCheckQuery = z.strictObject({
  serial: serial.optional().openapi({
    param: { name: "serial", in: "query" },
    description: "The ONT's serial number (network provisioners only)",
    example: "HWTC1A2B0001",
  }),
  ...subjectQuery,
});
export const HealthQuery = z.strictObject(subjectQuery);
export const NodeFilterQuery = z.strictObject({
  node: nodeName.optional().openapi({ param: { name: "node", in: "query" }, description: "Only this OLT node" }),
});
export const AvailableVlansQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(4094)
    .default(100)
    .openapi({
      param: { name: "limit", in: "query" },
      description: "How many of the free VLAN ids to list, lowest first (default 100)",
    }),
});
export const SubscriberSearchQuery = z.strictObject({
  q: searchParam("subscriber ids, ONT serials and CPE serials"),
  node: nodeName
    .optional()
    .openapi({ param: { name: "node", in: "query" }, description: "Only subscribers on this OLT node" }),
  vlan: z.coerce
    .number()
    .int()
    .min(2)
    .max(4094)
    .optional()
    .openapi({ param: { name: "vlan", in: "query" }, description: "Only the subscriber on this VLAN" }),
});
export const ActionListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  subscriber_id: subscriberId
    .optional()
    .openapi({ param: { name: "subscriber_id", in: "query" }, description: "Only actions about this subscriber" }),
  ticket_id: id
    .optional()
    .openapi({ param: { name: "ticket_id", in: "query" }, description: "Only actions done for this ticket" }),
  actor_user_id: id
    .optional()
    .openapi({ param: { name: "actor_user_id", in: "query" }, description: "Only actions by this user" }),
  action: z
    .enum(PROVISIONING_ACTIONS)
    .optional()
    .openapi({ param: { name: "action", in: "query" }, description: "Only this kind of action" }),
  outcome: z
    .enum(PROVISIONING_OUTCOMES)
    .optional()
    .openapi({ param: { name: "outcome", in: "query" }, description: "Only actions that ended this way" }),
});

export const ActionSchema = z
  .object({
    id: z.string(),
    action: z.enum(PROVISIONING_ACTIONS),
    outcome: z.enum(PROVISIONING_OUTCOMES).openapi({
      description:
        "running: sent, not yet answered (a request that died midway stays so); outcome_unknown: the element manager's answer never arrived intact",
    }),
    actor_user_id: z.string(),
    subscriber_id: z.string().nullable(),
    customer_id: z.string().nullable(),
    ticket_id: z.string().nullable(),
    node: z.string().nullable(),
    ont_serial: z.string().nullable(),
    request: z.record(z.string(), z.unknown()),
    result: z.unknown().openapi({ description: "What the element manager answered (null on failure)" }),
    error_code: z.string().nullable(),
    error_detail: z.string().nullable(),
    upstream: z
      .string()
      .nullable()
      .openapi({ description: "The element manager's own failure answer (status and an excerpt)" }),
    duration_ms: z.number().int().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("ProvisioningAction");
export const ActionPageSchema = pageSchema(ActionSchema, "ProvisioningActionPage");

const signal = z.enum(["good", "weak", "overload", "none"]).openapi({
  description:
    "The ONT's received light against the GPON class B+ budget: good −8…−25 dBm, weak below −25, overload above −8, none when the link is down",
});
export const LinkCheckSchema = OntLinkSchema.extend({
  signal,
  subscriber_id: z.string().nullable(),
  action_id: z.string().openapi({ description: "This check in the provisioning log" }),
}).openapi("OntLinkCheck");
export const SubscriberViewSchema = SubscriberSchema.extend({
  customer_id: z
    .string()
    .nullable()
    .openapi({ description: "The customer with this account number, when the caller can see them" }),
  customer_name: z.string().nullable(),
}).openapi("NetworkSubscriber");
export const HealthSchema = z
  .object({
    subscriber_id: z.string(),
    customer_id: z.string().nullable(),
    status: z.enum(["healthy", "degraded", "down"]),
    problems: z.array(z.string()).openapi({ description: "What is wrong, in words a technician can act on" }),
    link: OntLinkSchema.extend({ signal }),
    subscriber: SubscriberSchema,
    checked_at: z.string(),
    action_id: z.string(),
  })
  .openapi("SubscriberHealth");

export const NodeListSchema = z.object({ data: z.array(NodeSchema.openapi("NetworkNode")) }).openapi("NetworkNodeList");
export const UnprovisionedListSchema = z
  .object({ data: z.array(UnprovisionedOntSchema.openapi("UnprovisionedOnt")) })
  .openapi("UnprovisionedOntList");
export const AvailableVlansSchema = z
  .object({ node: z.string(), total: z.number().int(), vlans: z.array(z.number().int()) })
  .openapi("AvailableVlans");
export const VlanListSchema = z.object({ data: z.array(VlanSchema.openapi("NetworkVlan")) }).openapi("NetworkVlanList");
export const SubscriberListSchema = z.object({ data: z.array(SubscriberViewSchema) }).openapi("NetworkSubscriberList");

const forWhom = {
  subscriber_id: subscriberId
    .optional()
    .openapi({ description: "The subscriber id; or name the customer", example: "SUB-100004" }),
  customer_id: id
    .optional()
    .openapi({ description: "A customer you can see, whose account number is the subscriber id" }),
  ticket_id: id
    .optional()
    .openapi({ description: "The ticket this work is for (one you can see); recorded in the provisioning log" }),
};
export const ProvisionSchema = z
  .strictObject({
    ont_serial: serial.openapi({ example: "HWTC9F000011" }),
    service_type: serviceType.openapi({ example: "internet" }),
    ...forWhom,
  })
  .refine((v) => (v.subscriber_id === undefined) !== (v.customer_id === undefined), {
    message: "Name subscriber_id or customer_id (one)",
    path: ["subscriber_id"],
  })
  .openapi("ProvisionServiceRequest", {
    example: { ont_serial: "HWTC9F000011", service_type: "internet", subscriber_id: "SUB-100004" },
  });
export const ProvisionResultSchema = ProvisionedSchema.extend({ action: ActionSchema }).openapi("ProvisionedService");
export const ChangeCpeSchema = z
  .strictObject({ cpe_serial: serial.openapi({ example: "HH3000-9001" }), ...forWhom })
  .refine((v) => (v.subscriber_id === undefined) !== (v.customer_id === undefined), {
    message: "Name subscriber_id or customer_id (one)",
    path: ["subscriber_id"],
  })
  .openapi("ChangeCpeRequest", { example: { cpe_serial: "HH3000-9001", subscriber_id: "SUB-100001" } });
export const ChangeCpeResultSchema = z
  .object({ subscriber_id: z.string(), cpe: CpeSchema.openapi("Cpe"), action: ActionSchema })
  .openapi("ChangedCpe");
export const DeleteOntQuery = z.strictObject({
  ticket_id: id.optional().openapi({
    param: { name: "ticket_id", in: "query" },
    description: "The ticket this work is for (one you can see)",
  }),
});
export const DeletedOntSchema = z
  .object({ serial: z.string(), node: z.string(), freed_vlan: z.number().int().nullable(), action: ActionSchema })
  .openapi("DeletedOnt");
export const CreateVlansSchema = z
  .strictObject({
    metro: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .openapi({ description: "The metro the node belongs to (checked against the element manager)", example: "GBE" }),
    service_type: serviceType.openapi({ example: "business" }),
    count: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .default(1)
      .openapi({ description: "How many VLANs to create, lowest free ids first (1–32; one if left out)", example: 2 }),
  })
  .openapi("CreateVlansRequest");
export const CreatedVlansSchema = z
  .object({
    node: z.string(),
    metro: z.string(),
    service_type: serviceType,
    vlans: z.array(VlanSchema),
    action: ActionSchema,
  })
  .openapi("CreatedVlans");
export const DeleteUnusedSchema = z
  .strictObject({
    node: nodeName.openapi({ example: "GBE-OLT-01" }),
    vlans: z
      .array(vlanId)
      .min(1)
      .max(500)
      .optional()
      .openapi({
        description: "Only these (each must be unused); all the node's unused VLANs if left out",
        example: [150],
      }),
  })
  .openapi("DeleteUnusedVlansRequest");
export const DeletedVlansSchema = z
  .object({ node: z.string(), deleted: z.array(z.number().int()), action: ActionSchema })
  .openapi("DeletedVlans");
