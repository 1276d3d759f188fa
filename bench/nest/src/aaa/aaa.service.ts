// The scaffold's service stubs, unchanged by the lesson.
import { Injectable } from '@nestjs/common';
import { CreateAaaDto } from './dto/create-aaa.dto.js';
import { UpdateAaaDto } from './dto/update-aaa.dto.js';

@Injectable()
export class AaaService {
  create(createAaaDto: CreateAaaDto): string {
    return 'This action adds a new aaa';
  }

  findAll(): string {
    return `This action returns all aaa`;
  }

  findOne(id: number): string {
    return `This action returns a #${id} aaa`;
  }

  update(id: number, updateAaaDto: UpdateAaaDto): string {
    return `This action updates a #${id} aaa`;
  }

  remove(id: number): string {
    return `This action removes a #${id} aaa`;
  }
}
