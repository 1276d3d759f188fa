export class Aaa {}
