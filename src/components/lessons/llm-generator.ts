import seedrandom from 'seedrandom';
import { z } from 'zod';
import type { Config } from '../../infra/config/config';
import type { Exercise, LessonContent, LessonInput } from './lesson-content';
import { shuffle } from './shuffle';
import { levelOfWord } from './word-levels';

const blank = '_____';

const instructions = [
  'You write English reading lessons for language learners.',
  'Reply with one JSON object: {"title": string, "summary": [1-3 short sentences],',
  '"vocabulary": [up to 8 {"word": string, "example": sentence from the text}],',
  '"exercises": [cloze {"type":"cloze","prompt": a sentence with the gap written _____,"answer": word},',
  'multiple choice {"type":"multipleChoice","prompt": string,"options": 3-5 strings,"answer": index of the right option},',
  'sentence order {"type":"sentenceOrder","answer": the words of a sentence from the text in order}].',
  "Pitch the vocabulary and exercises at the learner's CEFR level. Use only the given text.",
].join(' ');

const llmLesson = z.object({
  title: z.string().min(1).max(200),
  summary: z.array(z.string().min(1).max(1000)).min(1).max(5),
  vocabulary: z.array(z.object({ word: z.string().min(1).max(60), example: z.string().max(1000).default('') })).max(20),
  exercises: z
    .array(
      z.discriminatedUnion('type', [
        z.object({ type: z.literal('cloze'), prompt: z.string().min(1).max(1000).includes(blank), answer: z.string().min(1).max(60) }),
        z
          .object({
            type: z.literal('multipleChoice'),
            prompt: z.string().min(1).max(1000),
            options: z.array(z.string().min(1).max(200)).min(2).max(6),
            answer: z.number().int().min(0),
          })
          .refine((exercise) => exercise.answer < exercise.options.length, 'answer must index an option'),
        z.object({ type: z.literal('sentenceOrder'), answer: z.array(z.string().min(1).max(60)).min(3).max(30) }),
      ]),
    )
    .min(1)
    .max(20),
});

const completion = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) });

export class LlmResponseError extends Error {
  override readonly name = 'LlmResponseError';
}

/** Our exercise shapes from the provider's: ids, cloze hints, shuffled sentence-order items. */
function toLessonContent(parsed: z.infer<typeof llmLesson>, input: LessonInput): LessonContent {
  const random = seedrandom(input.seed);
  const exercises = parsed.exercises.map((exercise, index): Exercise => {
    const id = `e${index + 1}`;
    if (exercise.type === 'cloze') {
      return { id, type: 'cloze', prompt: exercise.prompt, hint: `${exercise.answer[0]}… (${exercise.answer.length} letters)`, answer: exercise.answer };
    }
    if (exercise.type === 'multipleChoice') return { id, ...exercise };
    const items = shuffle(exercise.answer, random);
    return { id, type: 'sentenceOrder', prompt: 'Put the words in order to make a sentence from the text.', items, answer: exercise.answer };
  });
  return {
    title: parsed.title,
    summary: parsed.summary,
    vocabulary: parsed.vocabulary.map(({ word, example }) => ({
      word,
      level: levelOfWord(word.toLowerCase()),
      occurrences: input.text.toLowerCase().split(word.toLowerCase()).length - 1,
      example,
    })),
    exercises,
  };
}

/**
 * A lesson from an OpenAI-compatible chat-completions API. Any failure (network, status,
 * a reply that is not the JSON asked for) rejects; the caller's circuit breaker decides.
 */
export function createLlmGenerator(llm: Config['lessons']['llm'], fetchImpl: typeof fetch = fetch) {
  return async function generateWithLlm(input: LessonInput): Promise<LessonContent> {
    const response = await fetchImpl(`${llm.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${llm.apiKey}` },
      body: JSON.stringify({
        model: llm.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: instructions },
          { role: 'user', content: JSON.stringify({ level: input.level, title: input.title, text: input.text }) },
        ],
      }),
      // Leaves no request hanging after the breaker has given up on it.
      signal: AbortSignal.timeout(llm.timeoutMs),
    });
    if (!response.ok) throw new LlmResponseError(`the provider answered ${response.status}`);
    const body = completion.safeParse(await response.json());
    if (!body.success) throw new LlmResponseError('the provider reply is not a chat completion');
    let content: unknown;
    try {
      content = JSON.parse(body.data.choices[0]!.message.content);
    } catch {
      throw new LlmResponseError('the lesson in the provider reply is not JSON');
    }
    const lesson = llmLesson.safeParse(content);
    if (!lesson.success) throw new LlmResponseError(`the lesson in the provider reply is malformed: ${lesson.error.issues[0]?.message ?? ''}`);
    return toLessonContent(lesson.data, input);
  };
}
