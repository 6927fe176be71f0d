import { applyDecorators } from '@nestjs/common';
import { classTransformer, classValidator } from '../admin-peers';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import {
  booleanReason,
  eventListReason,
  isoDateReason,
  jsonObjectReason,
  nullableTextReason,
  oneOfReason,
  textReason,
  wholeNumberReason,
} from '../admin.messages';

// The admin DTOs check types and sizes here; what a value means (a URL, a scope path, an event pattern) is
// checked by the services, so that the programmatic API and the HTTP API give the same answers.

const {
  IsOptional,
  IsString,
  MaxLength,
  IsArray,
  ArrayMinSize,
  ArrayMaxSize,
  IsObject,
  IsBoolean,
  IsInt,
  Min,
  Max,
  IsIn,
  IsISO8601,
} = classValidator;
const { Transform } = classTransformer;

/** A required string of at most `max` characters. */
export const Text = (max: number): PropertyDecorator =>
  applyDecorators(IsString({ message: textReason(max) }), MaxLength(max, { message: textReason(max) }));

/** An optional string of at most `max` characters (`null` passes through: it clears the field). */
export const OptionalText = (max: number): PropertyDecorator =>
  applyDecorators(
    IsOptional(),
    IsString({ message: nullableTextReason(max) }),
    MaxLength(max, { message: nullableTextReason(max) }),
  );

/** A list of 1 to `max` event patterns (`optional`: or left out). */
export const EventPatterns = (max: number, itemMax: number, optional = false): PropertyDecorator => {
  const message = eventListReason(max, itemMax);
  return applyDecorators(
    ...(optional ? [IsOptional()] : []),
    IsArray({ message }),
    ArrayMinSize(1, { message }),
    ArrayMaxSize(max, { message }),
    IsString({ each: true, message }),
    MaxLength(itemMax, { each: true, message }),
  );
};

/**
 * A subscription's own retry policy: an optional JSON object (`null`: the module's), whose fields the service
 * checks one by one (`retry.attempts` …) as it does for the programmatic API.
 */
export const OptionalRetryPolicy = (): PropertyDecorator =>
  applyDecorators(
    ApiOptionalField({
      description:
        "This subscription's retry policy, laid over the module's (administrators only; null: the module's). Fields: attempts, firstDelay, factor, maxDelay, jitter, schedule (ms).",
      type: 'object',
      additionalProperties: true,
      nullable: true,
      example: { attempts: 5, schedule: [5000, 300000, 1800000] },
    }),
    IsOptional(),
    IsObject({ message: jsonObjectReason() }),
  );

/**
 * A subscription's rate limit: an optional JSON object (`null`: no limit), whose fields the service checks
 * (`rateLimit.perSecond` …) as it does for the programmatic API.
 */
export const OptionalRateLimit = (): PropertyDecorator =>
  applyDecorators(
    ApiOptionalField({
      description:
        'Requests per second the target receives at most, across every instance: perSecond (0.01 to 10000) and burst ' +
        '(requests at once, default perSecond); null: no limit.',
      type: 'object',
      additionalProperties: true,
      nullable: true,
      example: { perSecond: 10, burst: 20 },
    }),
    IsOptional(),
    IsObject({ message: jsonObjectReason() }),
  );

/** A subscription's most tries in flight at once (`null`: no limit). */
export const OptionalMaxInFlight = (): PropertyDecorator =>
  applyDecorators(
    ApiOptionalField({
      description: 'Tries in flight at once at most, across every instance (1 to 10000); null: no limit.',
      type: 'integer',
      nullable: true,
      minimum: 1,
      maximum: 10_000,
      example: 4,
    }),
    OptionalWholeNumber(1, 10_000),
  );

/** An optional JSON object (`null` clears it). */
export const OptionalJsonObject = (): PropertyDecorator =>
  applyDecorators(IsOptional(), IsObject({ message: jsonObjectReason() }));

/** An optional whole number from `min` to `max`, in a JSON body. */
export const OptionalWholeNumber = (min: number, max: number): PropertyDecorator => {
  const message = wholeNumberReason(min, max);
  return applyDecorators(IsOptional(), IsInt({ message }), Min(min, { message }), Max(max, { message }));
};

/** An optional value from `values`. */
export const OptionalOneOf = (values: readonly string[]): PropertyDecorator =>
  applyDecorators(IsOptional(), IsIn([...values], { message: oneOfReason(values) }));

/** An optional ISO 8601 date-time string. */
export const OptionalIsoDate = (): PropertyDecorator =>
  applyDecorators(IsOptional(), IsISO8601({ strict: true, strictSeparator: true }, { message: isoDateReason() }));

/** An optional `true`/`false` in a query string (any other spelling is refused, not read as true). */
export const QueryBoolean = (): PropertyDecorator =>
  applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value)),
    IsBoolean({ message: booleanReason() }),
  );

/** An optional whole number from `min` to `max` in a query string (digits only). */
export const QueryWholeNumber = (min: number, max: number): PropertyDecorator => {
  const message = wholeNumberReason(min, max);
  return applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
    ),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
};
