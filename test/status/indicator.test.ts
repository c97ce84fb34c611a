import { describe, expect, it } from "vitest";
import type { ComponentStatus, Impact } from "../../contract/status";
import { overallIndicator } from "../../functions/status/indicator.pure";

describe("overallIndicator", () => {
  const cases: Array<[string, ComponentStatus[], Impact[], boolean, string, string]> = [
    ["all operational", ["operational", "operational"], [], false, "none", "All Systems Operational"],
    ["no components at all", [], [], false, "none", "All Systems Operational"],
    ["one degraded component", ["operational", "degraded_performance"], [], false, "minor", "Partially Degraded Service"],
    ["one partial outage", ["partial_outage", "operational"], [], false, "minor", "Minor Service Outage"],
    ["one major outage among several", ["major_outage", "operational"], [], false, "major", "Partial System Outage"],
    ["every component in major outage", ["major_outage", "major_outage"], [], false, "critical", "Major System Outage"],
    ["a critical incident outranks healthy components", ["operational"], ["critical"], false, "critical", "Major System Outage"],
    ["a minor incident with healthy components", ["operational"], ["minor"], false, "minor", "Minor Service Outage"],
    ["a major incident without component outage", ["operational"], ["major"], false, "major", "Major Service Outage"],
    ["an incident of impact none changes nothing", ["operational"], ["none"], false, "none", "All Systems Operational"],
    ["maintenance in progress, nothing broken", ["under_maintenance", "operational"], [], true, "maintenance", "Service Under Maintenance"],
    ["component under maintenance without a window", ["under_maintenance"], [], false, "maintenance", "Service Under Maintenance"],
    ["an outage during maintenance is still shown", ["under_maintenance", "partial_outage"], [], true, "minor", "Minor Service Outage"],
  ];
  it.each(cases)("%s", (_name, componentStatuses, unresolvedIncidentImpacts, maintenanceInProgress, indicator, description) => {
    expect(overallIndicator({ componentStatuses, unresolvedIncidentImpacts, maintenanceInProgress })).toEqual({ indicator, description });
  });
});
