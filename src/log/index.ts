export { type AttachOptions, LOG_LEVELS, type LogLevel, type Logger, type LoggerOptions, attachLogger, createLogger, logFramework } from './logger.js';
