import { describe, expect, it } from "vitest";
import { customerMayReschedule, customerMayShareLocation, stepAllowed, STEPS } from "./appointments.workflow";

describe("appointment workflow rules", () => {
  it("allows each step only from its listed statuses", () => {
    expect(stepAllowed("depart", "confirmed")).toBe(true);
    expect(stepAllowed("arrive", "scheduled")).toBe(false);
    expect(stepAllowed("complete", "in_progress")).toBe(true);
    expect(stepAllowed("cancel", "on_site")).toBe(false);
    for (const [step, rule] of Object.entries(STEPS)) expect(rule.from.length, step).toBeGreaterThan(0);
  });

  it("lets the customer move a visit only before anyone sets out, on an open ticket", () => {
    expect(customerMayReschedule("assigned")).toBe(true);
    expect(customerMayReschedule("assigned", "confirmed")).toBe(true);
    expect(customerMayReschedule("assigned", "en_route")).toBe(false);
    expect(customerMayReschedule("in_progress", "scheduled")).toBe(false);
    expect(customerMayShareLocation("en_route")).toBe(true);
    expect(customerMayShareLocation("on_site")).toBe(false);
    expect(customerMayShareLocation(undefined)).toBe(false);
  });
});
