//! The CPUs this process may run on, and pinning a shard thread to one of them.
//!
//! This module is the one owner of pinning: glommio executors are built unbound and the
//! shard thread pins itself here, so two mechanisms never fight over placement.

use std::io;

/// The CPUs in this process's affinity mask, in ascending order.
///
/// Read with `sched_getaffinity`, so `taskset`, cgroup cpusets and container limits are
/// respected (glommio's `CpuSet::online()` lists every online CPU instead).
///
/// # Errors
///
/// Returns the system error if the mask cannot be read.
///
/// # Examples
///
/// ```
/// let cpus = typhoon_server::allowed_cpus().unwrap();
/// assert!(!cpus.is_empty());
/// ```
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: cpu_set_t is plain data; zeroed is a valid empty set, and the kernel writes
    // at most size_of::<cpu_set_t>() bytes into it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let max = libc::CPU_SETSIZE as usize;
    // SAFETY: `set` was filled by the kernel and `cpu < CPU_SETSIZE`.
    Ok((0..max)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

/// Pins the calling thread to `cpu`. Returns `false` if the kernel refused.
pub(crate) fn pin_current_thread(cpu: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu })
}

/// Formats a CPU list compactly for messages: `0-3,6`.
pub(crate) fn format_cpus(cpus: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        let mut end = start;
        while i + 1 < cpus.len() && cpus[i + 1] == end + 1 {
            i += 1;
            end = cpus[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_ranges() {
        assert_eq!(format_cpus(&[0, 1, 2, 3, 6]), "0-3,6");
        assert_eq!(format_cpus(&[1]), "1");
        assert_eq!(format_cpus(&[]), "");
        assert_eq!(format_cpus(&[0, 2, 4, 5]), "0,2,4-5");
    }

    #[test]
    fn affinity_mask_is_not_empty() {
        let cpus = allowed_cpus().expect("sched_getaffinity");
        assert!(!cpus.is_empty());
        assert!(cpus.windows(2).all(|w| w[0] < w[1]));
    }
}
