/* Unicode classes as Go's unicode package defines them (Unicode 15.0.0). */
#ifndef STAGEGRAPH_UNICODE_H
#define STAGEGRAPH_UNICODE_H

#include <stdint.h>

int sgi_is_letter(uint32_t r); /* unicode.IsLetter */
int sgi_is_digit(uint32_t r);  /* unicode.IsDigit */
int sgi_is_print(uint32_t r);  /* strconv.IsPrint */

/* Letter case (case.c): unicode.ToLower and ToUpper, the simple case
 * mappings; sgi_rune_fold gives the rune that stands for r's class under
 * simple case folding (the classes unicode.SimpleFold walks), so two runes
 * are equal under strings.EqualFold exactly when they fold alike. */
uint32_t sgi_rune_lower(uint32_t r);
uint32_t sgi_rune_upper(uint32_t r);
uint32_t sgi_rune_fold(uint32_t r);

#endif
