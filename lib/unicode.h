/* Unicode classes as Go's unicode package defines them (Unicode 15.0.0). */
#ifndef STAGEGRAPH_UNICODE_H
#define STAGEGRAPH_UNICODE_H

#include <stdint.h>

int sgi_is_letter(uint32_t r); /* unicode.IsLetter */
int sgi_is_digit(uint32_t r);  /* unicode.IsDigit */
int sgi_is_print(uint32_t r);  /* strconv.IsPrint */

#endif
