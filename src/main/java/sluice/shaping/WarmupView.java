package sluice.shaping;

/**
 * One warming source's day for one destination group.
 *
 * @param day        1-based day of its schedule
 * @param days       the schedule's length (after it, no cap)
 * @param sentToday  messages admitted today
 * @param capToday   today's cap
 * @param endsOn     "YYYY-MM-DD": the earliest date warm-up can end (if every remaining day counts), or null; it is
 *                   the schedule's last capped day (the day after it has no cap). A group past its schedule is not
 *                   warming and has no view.
 */
public record WarmupView(String source, String group, String schedule, int day, int days, long sentToday,
                         long capToday, String endsOn) {}
