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

const NAME_PART_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const NAME_PART = new RegExp(`^${NAME_PART_FORMAT}$`);
const DNS_SUBDOMAIN_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS_SUBDOMAIN = new RegExp(`^${DNS_SUBDOMAIN_FORMAT}$`);
const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** apimachinery's validation.RegexError, spacing included ("'MyName',  or 'my.name', ..."). */
function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const listed = examples.map((e) => `'${e}', `).join(" or ");
  return `${message} (e.g. ${listed}regex used for validation is '${format}')`;
}

/**
 * validation.IsQualifiedName, as ValidateAnnotations calls it: on the lower-cased key (case does
 * not matter for annotation keys). Texts as apimachinery writes them; the invalid-name-part
 * text is recorded.
 */
function qualifiedNameErrors(key: string): string[] {
  const parts = key.toLowerCase().split("/");
  let name: string;
  const errors: string[] = [];
  if (parts.length === 1) name = parts[0] ?? "";
  else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errors.push("prefix part must be non-empty");
    else if (prefix.length > 253) errors.push("prefix part must be no more than 253 characters");
    else if (!DNS_SUBDOMAIN.test(prefix)) {
      errors.push(
        `prefix part ${regexError(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
          DNS_SUBDOMAIN_FORMAT,
          "example.com",
        )}`,
      );
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, NAME_PART_FORMAT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 characters");
  else if (!NAME_PART.test(name)) {
    errors.push(
      `name part ${regexError(QUALIFIED_NAME_MESSAGE, NAME_PART_FORMAT, "MyName", "my.name", "123-abc")}`,
    );
  }
  return errors;
}

/**
 * How many times one update repeats each annotation error in `details.causes`. Recorded for a
 * ConfigMap merge patch: 4 identical causes for one bad key (apiserver validates the object
 * metadata in several passes and keeps every copy). Creates and custom resources were not
 * recorded and are assumed alike; nothing of lockgate counts the causes, only reads them.
 */
export const VALIDATION_PASSES = 4;

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
        // Source: the object fails to decode before validation; not recorded, never sent by lockgate.
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
    // Source: field.TooLong(metadata.annotations, "", TotalAnnotationSizeLimitB). Not recorded.
    errors.push({
      field: "metadata.annotations",
      reason: "FieldValueTooLong",
      message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errors.flatMap((error) => Array.from({ length: VALIDATION_PASSES }, () => error));
}
