import {
  type ArgumentMetadata,
  BadRequestException,
  Injectable,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { classTransformer, classValidator } from './admin-peers';
import { badRequestBody } from './admin-error.mapper';
import { ADMIN_LIMITS } from './admin.constants';
import { bodyNotObjectReason, nestedTooDeeplyReason, notKnownFieldReason } from './admin.messages';
import { fieldNestedBeyond } from './json-depth.util';
import type { AdminFieldErrorResponse } from './dto/admin-error.response';

/**
 * The validation of the admin routes: class-validator on the DTOs, unknown fields refused, query strings
 * converted, and every failure answered as a 400 naming the field and the reason.
 */
@Injectable()
export class WebhooksAdminValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      validatorPackage: classValidator,
      transformerPackage: classTransformer,
      exceptionFactory: (errors) => new BadRequestException(badRequestBody(fieldErrors(errors))),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A JSON array, string or number where an object is expected would otherwise reach class-transformer.
    const expectsObject =
      metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (expectsObject && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new BadRequestException(badRequestBody([{ field: 'body', reason: bodyNotObjectReason() }]));
    }
    // class-transformer and class-validator recurse: refuse what would exhaust the stack before they run.
    const deep = fieldNestedBeyond(value, ADMIN_LIMITS.jsonDepth);
    if (deep !== null)
      throw new BadRequestException(
        badRequestBody([{ field: deep, reason: nestedTooDeeplyReason(ADMIN_LIMITS.jsonDepth) }]),
      );
    return super.transform(value, metadata);
  }
}

/** Flattens class-validator's error tree into `{ field, reason }`, fields as paths (`metadata.name`). */
function fieldErrors(errors: ValidationError[], parent = ''): AdminFieldErrorResponse[] {
  return errors.flatMap((error) => {
    // A query string such as "?=x" has a parameter without a name: name it so that the message reads.
    const property = error.property === '' ? '""' : error.property;
    const field = parent ? `${parent}.${property}` : property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      reason:
        rule === 'whitelistValidation'
          ? notKnownFieldReason()
          : message.startsWith(`${error.property} `)
            ? message.slice(error.property.length + 1)
            : message,
    }));
    return [...own.slice(0, 1), ...fieldErrors(error.children ?? [], field)];
  });
}
