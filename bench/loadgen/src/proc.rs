//! What Linux says about a process: CPU time from `/proc/PID/stat`, memory
//! (resident now and at its peak) and threads from `/proc/PID/status`; the
//! whole machine's CPU time from `/proc/stat`; and the generator's own file
//! limit.

use std::fs;
use std::io;

/// Clock ticks per second, the unit of `utime` and `stime`.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions; it reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    // sysconf fails only on an unknown name; Linux's USER_HZ is 100.
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// User plus system CPU time of `pid` (a number, or `self`), in seconds.
pub fn cpu_seconds(pid: &str) -> io::Result<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let (utime, stime) = parse_stat(&stat).ok_or_else(|| invalid(&format!("/proc/{pid}/stat")))?;
    Ok((utime + stime) as f64 / ticks_per_second())
}

/// User, nice and system CPU time of every process on the machine, all CPUs
/// together, in seconds: less the server's and the generator's own, what
/// others ran meanwhile (a neighbour's build on a shared machine). Interrupt
/// time is left out: the loopback traffic of the benchmark itself is
/// handled there, and charged to no process.
pub fn machine_cpu_seconds() -> io::Result<f64> {
    let stat = fs::read_to_string("/proc/stat")?;
    let ticks = parse_machine(&stat).ok_or_else(|| invalid("/proc/stat"))?;
    Ok(ticks as f64 / ticks_per_second())
}

/// The first line of `/proc/stat`: `cpu  user nice system idle …`.
fn parse_machine(stat: &str) -> Option<u64> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let mut fields = line
        .split_whitespace()
        .map(|field| field.parse::<u64>().ok());
    let (user, nice, system) = (fields.next()??, fields.next()??, fields.next()??);
    Some(user + nice + system)
}

/// `utime` and `stime`, fields 14 and 15 of `/proc/PID/stat`. Field 2, the
/// command, is in parentheses and may hold spaces and `)`: fields are counted
/// from the last `)`, where field 3 starts.
fn parse_stat(stat: &str) -> Option<(u64, u64)> {
    let (_, after_comm) = stat.rsplit_once(')')?;
    let mut fields = after_comm.split_whitespace().skip(11);
    let utime = fields.next()?.parse().ok()?;
    let stime = fields.next()?.parse().ok()?;
    Some((utime, stime))
}

/// A process's resident memory, now and at its peak, and thread count.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    pub rss_kib: u64,
    /// `VmHWM`, the peak RSS since the process started: what a burst cost
    /// shows here even after the memory went back to the allocator.
    pub hwm_kib: u64,
    pub threads: u64,
}

pub fn status(pid: u32) -> io::Result<Status> {
    let path = format!("/proc/{pid}/status");
    parse_status(&fs::read_to_string(&path)?).ok_or_else(|| invalid(&path))
}

fn parse_status(status: &str) -> Option<Status> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.split_whitespace().next()?.parse::<u64>().ok())
    };
    Some(Status {
        // "VmRSS:	   12345 kB": kB here are KiB.
        rss_kib: field("VmRSS")?,
        hwm_kib: field("VmHWM")?,
        threads: field("Threads")?,
    })
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("cannot read {what}"))
}

/// Raises this process's open-file limit to its hard limit: every client is
/// a socket, and the usual soft limit of 1024 stops a thousand clients.
/// Returns the limit now in force.
pub fn raise_open_files() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`, a valid,
    // exclusively borrowed rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command() {
        let stat =
            "4242 (we ird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 731 129 0 0 20 0 9 0 1 2 3";
        assert_eq!(parse_stat(stat), Some((731, 129)));
        assert_eq!(parse_stat("4242 (short) S 1"), None);
    }

    #[test]
    fn status_fields() {
        let status = "Name:\tserver\nVmPeak:\t  9000 kB\nVmHWM:\t    6144 kB\nVmRSS:\t    5120 kB\nThreads:\t3\n";
        let parsed = parse_status(status).unwrap();
        assert_eq!(
            (parsed.rss_kib, parsed.hwm_kib, parsed.threads),
            (5120, 6144, 3)
        );
        assert!(parse_status("Name:\tx\n").is_none());
    }

    #[test]
    fn machine_time_is_user_nice_and_system() {
        let stat = "cpu  824364 122 145712 213413 2016 0 17503 647 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_machine(stat), Some(824364 + 122 + 145712));
        assert_eq!(parse_machine("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_machine("cpu  1 2\n"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        assert!(cpu_seconds("self").unwrap() >= 0.0);
        assert!(machine_cpu_seconds().unwrap() > 0.0);
        assert!(status(std::process::id()).unwrap().threads >= 1);
    }
}
