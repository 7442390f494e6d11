/**
 * Practice: attempts at a lesson's exercises and their scores.
 * The component's public entry: other components and the wiring import only this file.
 */
export { attemptModel } from './attempt.model';
export { practiceRouter } from './practice.routes';
export { createPracticeService } from './practice.service';
