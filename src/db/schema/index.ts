export * from "./identity";
export * from "./platform";
export * from "./crm";
export * from "./tickets";
export * from "./scheduling";
export * from "./notifications";
export * from "./inventory";
