import type { ApiPropertyOptions } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import { swagger } from '../admin-peers';

// These decorators apply @nestjs/swagger's when the application has it and do nothing otherwise, so that the
// admin API documents itself in apps that use Swagger without making it a dependency.

const inert = (): void => undefined;

/** `@ApiProperty` when `@nestjs/swagger` is installed: a documented (required) field. */
export const ApiField = (options: ApiPropertyOptions = {}): PropertyDecorator =>
  swagger ? swagger.ApiProperty(options) : inert;

/** `@ApiPropertyOptional` when `@nestjs/swagger` is installed: a documented optional field. */
export const ApiOptionalField = (options: ApiPropertyOptions = {}): PropertyDecorator =>
  swagger ? swagger.ApiPropertyOptional(options) : inert;

/** `@ApiSecurity(name)` for each scheme, any one of which suffices, when `@nestjs/swagger` is installed. */
export const ApiSecuritySchemes = (names: readonly string[]): ClassDecorator =>
  swagger && names.length > 0 ? applyDecorators(...names.map((name) => swagger!.ApiSecurity(name))) : inert;

/** `@ApiTags(tag)` when `@nestjs/swagger` is installed. */
export const ApiTag = (tag: string): ClassDecorator => (swagger ? swagger.ApiTags(tag) : inert);

/** `@ApiExcludeController()` when `@nestjs/swagger` is installed: routes kept out of the OpenAPI document. */
export const ApiHidden = (): ClassDecorator => (swagger ? swagger.ApiExcludeController() : inert);
