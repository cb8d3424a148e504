import { parseGpus } from '@kiln/engine';
import { optionString, type ParsedArgs } from './args';

/** `--gpus=1,2` as validated ids (usage error naming the bad part), or undefined. */
export function gpusOption(args: ParsedArgs): number[] | undefined {
  const text = optionString(args, 'gpus');
  return text === undefined ? undefined : parseGpus(text);
}
