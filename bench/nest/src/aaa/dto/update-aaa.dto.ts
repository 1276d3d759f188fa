// The scaffold writes `extends PartialType(CreateAaaDto)` (from
// @nestjs/mapped-types) plus `id`; spelled out here to need one package less.
export class UpdateAaaDto {
  id: number;
  name?: string;
}
