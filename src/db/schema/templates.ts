import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** One item of a job template's checklist (PM-3). */
export interface ChecklistTemplateItem {
  id: string;
  label: string;
  /** Completion of the work is refused while a required item is open. */
  required: boolean;
  /** Ticking it needs a photo (an upload). */
  photo_required: boolean;
  /** Ticking it needs a value (a reading, a serial number). */
  value_required: boolean;
}

export interface TemplatePart {
  item_id: string;
  quantity: number;
}

/**
 * Job templates (PM-3): what a kind of job takes — its kind, service category, estimated time,
 * skills, the parts expected and a checklist — used when a ticket is raised from it (by staff,
 * an import or a maintenance plan). A ticket keeps its own copy of the checklist, so editing the
 * template changes only tickets raised afterwards.
 */
export const jobTemplates = sqliteTable(
  "job_templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind").notNull(),
    serviceCategory: text("service_category"),
    estimatedMinutes: integer("estimated_minutes"),
    requiredSkills: text("required_skills", { mode: "json" }).$type<string[]>().notNull().default([]),
    parts: text("parts", { mode: "json" }).$type<TemplatePart[]>().notNull().default([]),
    checklist: text("checklist", { mode: "json" }).$type<ChecklistTemplateItem[]>().notNull().default([]),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("job_templates_name_unique").on(t.name), index("job_templates_kind_idx").on(t.kind, t.name)],
);
