export * from "./contract";
export * from "./schemas";
export * from "./casing";
export * from "./error-status";
