/* Terminal charts for the Reports view (src/model/chart.c): plain UTF-8 text made of Unicode
 * block characters, so a chart reads without colour, and every one is bounded to a width in
 * terminal columns. No curses, no libpq: the view draws the strings these return. */
#ifndef CCRM_CHART_H
#define CCRM_CHART_H

#include <stddef.h>

/* A horizontal bar for value out of max, in eighths of a column ("█████▍"), at most width
 * columns. A value above 0 shows at least one eighth; value >= max fills the width; a value
 * that is not a positive finite number, or max <= 0, draws nothing. Writes a NUL-terminated
 * UTF-8 string into buf (n bytes; cut at a whole character when too small). Returns the
 * columns drawn. */
int chart_bar(char *buf, size_t n, double value, double max, int width);

/* A sparkline of count values, one column each ("▁▂▄█"): the last width values when there are
 * more. Scaled from the smaller of 0 and the smallest value to the largest; a missing value
 * (NaN) is a space. Returns the columns drawn. */
int chart_sparkline(char *buf, size_t n, const double *values, int count, int width);

/* One line of a bar chart, exactly width columns: the label cut or padded to label_w columns,
 * a space, the bar, and the value as text at the right ("pro      ██████▌      1,240"), so the
 * figure is there without colour and without counting blocks. value_w is the room kept for
 * the value, the same on every line of a chart (its widest value's), so that the bars of one
 * chart share one full length and equal values draw equal bars; a value wider than value_w
 * (or value_w <= 0) takes its own width. A width too small for label and value drops the bar,
 * then cuts the label. Returns the columns written (width, or less when buf is too small). */
int chart_bar_line(char *buf, size_t n, const char *label, int label_w, double value, double max,
                   const char *value_text, int value_w, int width);

/* value with thousands separators and at most decimals decimals, trailing zeros dropped
 * ("1,240", "0.35", "-12,000.5") into buf (n bytes). Returns buf. */
char *chart_number(char *buf, size_t n, double value, int decimals);

/* Display width of a UTF-8 string in terminal columns (wcwidth; an invalid byte counts 1). */
int chart_width(const char *s);

#endif
