/**
 * The metadata checks apiserver runs on every create, update and patch that matter to lock
 * records (k8s.io/apimachinery/pkg/api/validation: ValidateAnnotations).
 */

/** TotalAnnotationSizeLimitB: the sum of every annotation's key and value length, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT: number = 256 * 1024;

export interface FieldError {
  readonly field: string;
  readonly reason: string;
  readonly message: string;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** IsQualifiedName: an optional DNS-subdomain prefix and "/", then a name part of at most 63. */
function qualifiedNameErrors(key: string): string[] {
  const parts = key.split("/");
  let name = key;
  const errors: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errors.push("prefix part must be non-empty");
    else if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      errors.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
      );
    }
  } else if (parts.length > 2) {
    errors.push(
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'",
    );
    return errors;
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 bytes");
  else if (!NAME_PART.test(name)) {
    errors.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export function validateAnnotations(annotations: unknown): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== "object" || Array.isArray(annotations)) {
    return [
      {
        field: "metadata.annotations",
        reason: "FieldValueInvalid",
        message: "Invalid value: must be a map of strings",
      },
    ];
  }
  const errors: FieldError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== "string") {
      errors.push({
        field: `metadata.annotations`,
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(key)}: value must be a string`,
      });
      continue;
    }
    for (const why of qualifiedNameErrors(key)) {
      errors.push({
        field: "metadata.annotations",
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(key)}: ${why}`,
      });
    }
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errors.push({
      field: "metadata.annotations",
      reason: "FieldValueTooLong",
      message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errors;
}
