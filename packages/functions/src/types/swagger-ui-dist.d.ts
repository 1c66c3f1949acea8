declare module "swagger-ui-dist" {
  /** absolute path of the folder holding the Swagger UI assets */
  export function getAbsoluteFSPath(): string;
}
