/**
 * Lessons: generating lessons from document sections (local or LLM generator) and serving them.
 * The component's public entry: other components and the wiring import only this file.
 */
export { lessonProcessor } from './generate-lesson';
export { registerGeneratorMetrics } from './generator-metrics';
export type { Exercise } from './lesson-content';
export { createLessonGenerator, generatorVersionOf, type LessonGenerator } from './lesson-generator';
export { lessonModel, type LessonRecord } from './lesson.model';
export { lessonsRouter } from './lessons.routes';
export { createLessonsService } from './lessons.service';
export { lessonIdParams } from './lessons.validation';
