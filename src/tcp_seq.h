/* summary: serial-number arithmetic for TCP sequence and acknowledgement numbers (RFC 1982,
 * RFC 9293 §3.4). A plain < or > on two sequence numbers is a bug: always use these. */
#ifndef TCPLENS_TCP_SEQ_H
#define TCPLENS_TCP_SEQ_H

#include <stdint.h>

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_EQ(a, b) ((uint32_t)(a) == (uint32_t)(b))

#endif
