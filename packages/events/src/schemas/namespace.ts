/** The Avro namespace of every Jobledger schema. */
export const NAMESPACE = "jobledger.events";
