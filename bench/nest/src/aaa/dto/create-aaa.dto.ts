export class CreateAaaDto {
  name: string;
}
