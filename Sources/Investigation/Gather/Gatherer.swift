import Foundation
import Runtime

/// Asks the runtime and the host everything an investigation weighs, at once where it can.
///
/// Order: the container first (everything else is about it), then its events, before any call that
/// leaves a trace in them (`RuntimeDescriptor.leavesTrace`: Docker's `top` and `archive`), together with
/// the calls that do not. Each answer becomes evidence inside its own task, so one failure is one
/// `unavailable` piece and never ends the gathering.
struct Gatherer: Sendable {
    let runtime: any ContainerRuntime
    let host: any HostView
    let settings: Investigator.Settings
    let acquisition: any ExecutableAcquisition

    func gather(reference: String, alert: AlertFacts?, imageRepository: String?, alertTime: RuntimeInstant?) async
        throws(RuntimeError) -> Evidence
    {
        let runtime = self.runtime
        let descriptor = runtime.descriptor
        let now = descriptor.clock ?? RuntimeInstant(seconds: Int64(Date().timeIntervalSince1970))
        let window = TimeWindow.around(
            alertTime, span: Int64(settings.window), now: now, since: settings.since, until: settings.until)
        let found: ContainerRecord?
        do { found = try await runtime.container(reference) } catch .notFound { found = nil }
        guard let container = found else {
            async let engine = runtime.engine()
            async let events = Gathered.from { () async throws(RuntimeError) in try await runtime.events(about: reference, in: window) }
            return Evidence(
                alert: alert, alertImageRepository: imageRepository, reference: reference, window: window,
                runtime: descriptor, engine: await engine, container: nil, events: await events)
        }
        // Around an alert, the window's first lines; the newest with --tail, or without an alert.
        let limit = settings.tail ?? settings.maxLogLines
        let newest = settings.tail != nil || alert == nil
        let traced = !descriptor.leavesTrace.isEmpty
        async let events = Gathered.from { () async throws(RuntimeError) in try await runtime.events(about: container.id, in: window) }
        async let changes = Gathered.from { () async throws(RuntimeError) in try await runtime.changes(of: container) }
        async let logs = Gathered.from { () async throws(RuntimeError) in try await runtime.logs(of: container, in: window, limit: limit, newest: newest) }
        async let image = Gathered.from { () async throws(RuntimeError) in try await runtime.image(container.imageID ?? "") }
        async let engine = runtime.engine()
        // Calls that leave a trace wait for the events; the archive also waits for changes, which
        // holds the container's lock longest of the rest.
        let eventsRead = traced ? await events : nil
        let changesRead = await changes
        // The acquisition waits for the changes and the processes: they decide whether it is made.
        let processesRead = await Gathered.from { () async throws(RuntimeError) in try await runtime.processes(of: container) }
        async let file = acquire(
            alert: alert, container: container, changes: changesRead.value, processes: processesRead.value ?? [])
        let hostEvidence = HostEvidence(host: host)
        let hostAccess = hostEvidence.access(container: container, engine: await engine)
        let eventsAll: Gathered<[RuntimeEvent]>
        if let eventsRead { eventsAll = eventsRead } else { eventsAll = await events }
        var evidence = Evidence(
            alert: alert, alertImageRepository: imageRepository, reference: reference, window: window,
            runtime: descriptor, engine: await engine, container: container, events: eventsAll,
            changes: changesRead, processes: processesRead, logs: await logs, image: await image, file: await file,
            hostAccess: hostAccess)
        if let alert {
            evidence.executable = hostEvidence.executable(
                alert: alert, container: container, changes: changesRead.value, file: evidence.file?.value,
                processes: processesRead.value ?? [], access: hostAccess)
        }
        evidence.drift = hostEvidence.drift(changesRead.value ?? [], container: container, maxChecks: settings.maxDriftChecks)
        return evidence
    }

    /// The alert's executable, when it names a file (a memfd has none to read): its bytes only when the
    /// container's own evidence stands behind the path (``Grounds``), otherwise its stat alone, since an
    /// alert may name any file (`/etc/shadow`).
    private func acquire(alert: AlertFacts?, container: ContainerRecord, changes: [LayerChange]?, processes: [RuntimeProcess])
        async -> Gathered<AcquiredFile>?
    {
        guard let alert, !alert.isMemfd, let path = alert.exePath else { return nil }
        let runtime = self.runtime
        let acquisition = self.acquisition
        guard Grounds.support(path, changes: changes, processes: processes) else {
            return await Gathered.from { () async throws(RuntimeError) in
                AcquiredFile(file: try await runtime.stat(of: container, path: path), declined: Grounds.declined(path))
            }
        }
        return await Gathered.from { () async throws(RuntimeError) in
            try await acquisition.acquire(path, of: container, from: runtime)
        }
    }
}
