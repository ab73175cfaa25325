/* log.h — leveled logging to stderr.
 *
 * One process-wide level; messages below it cost a comparison.  Lines are
 * "hostmix[PID] LEVEL: message" so that interleaved output of servers,
 * drivers and the controller can be told apart. */
#ifndef HOSTMIX_LOG_H
#define HOSTMIX_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_QUIET };

extern enum log_level log_threshold;

void log_set_level(enum log_level lv);
/* Parses "debug", "info", "warn", "error" or "quiet"; -1 if unknown. */
int log_parse_level(const char *s);
void log_set_tag(const char *tag);   /* e.g. "web 127.1.1.1:8080"; copied */
void log_msg(enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_threshold <= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_threshold <= LOG_INFO)  log_msg(LOG_INFO,  __VA_ARGS__); } while (0)
#define log_warn(...)  do { if (log_threshold <= LOG_WARN)  log_msg(LOG_WARN,  __VA_ARGS__); } while (0)
#define log_error(...) do { if (log_threshold <= LOG_ERROR) log_msg(LOG_ERROR, __VA_ARGS__); } while (0)

#endif
