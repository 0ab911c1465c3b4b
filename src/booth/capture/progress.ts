// The recorder's -progress reports; the parser is shared with the archive (src/core).
export { ProgressParser, type FfmpegProgress as CaptureProgress } from '../../core/ffmpeg-progress.js';
