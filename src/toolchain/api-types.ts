// Generated from the OpenAPI document by `npm run openapi`; do not edit.
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the Worker answers */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List deployed models */
        get: operations["listModels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One model: its versions, the active one, and each manifest's summary */
        get: operations["getModel"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Predict with the model's serving version */
        post: operations["predict"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}/versions/{version}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Predict with one pinned version */
        post: operations["predictWithVersion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}/drift": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Drift of the active and candidate versions against their reference profiles */
        get: operations["getDrift"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Drift, data quality, latency and label counts over time, per version and serving role */
        get: operations["getHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{name}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** True labels for earlier predictions, for live accuracy per version */
        post: operations["sendFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Register a new model with its first version, active at once (verified: it must exist and load) */
        post: operations["registerModel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model's registry state, effective policy and last scheduled evaluation */
        get: operations["getAdminModel"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/candidate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Change the candidate's mode (shadow or canary) and traffic share */
        put: operations["setCandidateTraffic"];
        /** Register a candidate version (verified: it must exist and load) */
        post: operations["registerCandidate"];
        /** Withdraw the candidate */
        delete: operations["withdrawCandidate"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/promote": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Promote the candidate (or a given version) to active, on probation */
        post: operations["promote"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore the version the last promotion replaced (or the most recent previous one) */
        post: operations["rollback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/pin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Make a version active without probation and keep the scheduler from changing it */
        post: operations["pin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/unpin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hand the model back to the scheduler */
        post: operations["unpin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/policy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replace the model's policy overrides (an empty object restores the defaults) */
        put: operations["setPolicy"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/sample-rate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set the share of the model's predictions sampled for drift (and kept for feedback) */
        put: operations["setSampleRate"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The model's audit log, newest first */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/examples": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Raw inputs a version answered (models that keep examples) */
        get: operations["listExamples"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/models/{name}/feedback-data": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Labelled training data kept from feedback, as JSON lines */
        get: operations["exportFeedbackData"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard: models, versions, drift over time, the audit timeline and actions */
        get: operations["getDashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dashboard/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A script or style sheet of the dashboard */
        get: operations["getDashboardFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ModelList: {
            models: components["schemas"]["ModelSummary"][];
        };
        ModelSummary: {
            name: string;
            active: number | null;
            previous: number[];
            candidate: {
                version: number;
                /** @enum {string} */
                mode: "shadow" | "canary";
                share: number;
            } | null;
        };
        ModelDetail: components["schemas"]["ModelSummary"] & {
            versions: components["schemas"]["VersionSummary"][];
        };
        VersionSummary: {
            version: number;
            createdAt?: string;
            bytes?: number;
            sha256?: string;
            inputs?: {
                name: string;
                /** @enum {string} */
                dtype: "float32" | "int64" | "int32" | "int8" | "uint8" | "bool";
                shape: (number | string)[];
            }[];
            outputs?: {
                name: string;
                /** @enum {string} */
                dtype: "float32" | "int64" | "int32" | "int8" | "uint8" | "bool";
                shape: (number | string)[];
            }[];
            labels?: string[];
            input?: string;
            task?: string;
            metrics?: {
                [key: string]: number;
            };
            lineage?: {
                parent?: {
                    version: number;
                };
                /** @enum {string} */
                method: "train" | "retrain" | "online" | "head" | "distill";
                /** Format: date-time */
                createdAt: string;
                data: {
                    /** Format: date-time */
                    from?: string;
                    /** Format: date-time */
                    to?: string;
                    feedbackRows: number;
                    replayRows?: number;
                    heldOutRows?: number;
                };
                metrics?: {
                    [key: string]: number;
                };
            };
            feedbackData?: {
                /** @enum {string} */
                keep: "features" | "instance";
                retentionDays: number;
                maxRows: number;
            };
            update?: {
                /** @enum {string} */
                mode: "online";
                maxRowsPerRun: number;
                learningRate: number;
                epochs: number;
                /** @default 50 */
                minRows?: number;
                /** @default 0.2 */
                heldOutShare?: number;
                /**
                 * @default {
                 *       "mode": "shadow",
                 *       "share": 1
                 *     }
                 */
                candidate?: {
                    /** @enum {string} */
                    mode: "shadow" | "canary";
                    share: number;
                };
            };
            error?: string;
        };
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            errors?: {
                field: string;
                message: string;
            }[];
            requestId?: string;
        };
        PredictResponse: {
            model: string;
            version: number;
            /** @enum {string} */
            role: "active" | "fallback" | "pinned" | "candidate";
            requestId: string;
            predictions?: ({
                label: string;
                probabilities: {
                    [key: string]: number;
                };
            } | {
                value: number;
            } | {
                values: number[];
            } | {
                embedding: number[];
            })[];
            outputs?: {
                [key: string]: {
                    dims: number[];
                    data: number[];
                };
            };
        };
        PredictRequest: {
            /**
             * @description Instances in the form the model's input kind takes (see the model's `input`)
             * @example [
             *       {
             *         "text": "Subject: cheap meds, act now!!!"
             *       }
             *     ]
             */
            instances?: {
                [key: string]: unknown;
            }[];
            inputs?: {
                [key: string]: {
                    dims: number[];
                    /** @enum {string} */
                    dtype?: "float32" | "int64" | "int32" | "int8" | "uint8" | "bool";
                    data?: (number | boolean)[];
                    b64?: string;
                };
            };
        } & (unknown | unknown);
        DriftReport: {
            model: string;
            window: string;
            windowSeconds: number;
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            until: string;
            versions: {
                /** @enum {string} */
                role: "active" | "candidate" | "requested";
                version: number;
                samples: number;
                /** @description Rows behind the reference profile; null without one */
                referenceSamples: number | null;
                /** @description Per serving role the version answered in (active, fallback, pinned, candidate, shadow) */
                byRole: {
                    [key: string]: {
                        /** @description Sampled instances answered */
                        samples: number;
                        errors: components["schemas"]["ErrorTally"];
                        features: {
                            [key: string]: components["schemas"]["FeatureDrift"];
                        };
                        latencyMs: {
                            p50: number;
                            p99: number;
                        } | null;
                    };
                };
            }[];
        };
        /** @description Sampled instances the version failed to answer after they passed the request checks: outputs NaN or infinite, or the run failed */
        ErrorTally: {
            count: number;
            /** @description count / (samples + count): the share of sampled instances it failed on; null when sent none */
            rate: number | null;
            byKind: {
                "non-finite-output": number;
                "run-failed": number;
            };
        };
        /** @description null while the window or the reference has no data for the feature */
        FeatureDrift: {
            /** @enum {string} */
            kind: "numeric";
            count: number;
            referenceCount: number;
            /** @description Values that were NaN or infinite (left out of KS and Wasserstein) */
            nonFinite: number;
            psi: number;
            jensenShannon: number;
            ks: {
                statistic: number;
                pValue: number;
                /** @description The sketches' rank error, taken off D before the p-value */
                rankErrorBound: number;
            };
            wasserstein: number;
        } | {
            /** @enum {string} */
            kind: "categorical";
            count: number;
            referenceCount: number;
            psi: number;
            jensenShannon: number;
            chiSquare: {
                statistic: number | null;
                degreesOfFreedom: number;
                pValue: number;
            };
        } | {
            /** @enum {string} */
            kind: "data-quality";
            count: number;
            referenceCount: number;
            psi: null;
            nan: number;
            infinite: number;
            reason: string;
        } | {
            /** @enum {string} */
            kind: "data-quality-shares";
            count: number;
            referenceCount: number;
            psi: null;
            /** @description Share of the window's values in each problem state (missing, out-of-range, unseen) */
            shares: {
                [key: string]: number;
            };
            referenceShares: {
                [key: string]: number;
            };
        } | null;
        DriftHistory: {
            model: string;
            window: string;
            windowSeconds: number;
            bucketSeconds: number;
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            until: string;
            policy: {
                /** @description PSI above which a feature counts as drifted */
                driftPsi: number;
                /** @description Error rate above which a version is turned down */
                maxErrorRate: number;
            };
            versions: {
                /** @enum {string} */
                role: "active" | "candidate" | "previous" | "requested";
                version: number;
                features: {
                    name: string;
                    kind: string;
                    dataQuality: boolean;
                }[];
                /** @description Per serving role the version answered in (active, fallback, pinned, candidate, shadow) */
                byRole: {
                    [key: string]: {
                        samples: number;
                        errors: components["schemas"]["ErrorTally"];
                        labels: number;
                        correct: number;
                        /** @description Buckets with samples or labels, oldest first */
                        buckets: {
                            /** Format: date-time */
                            start: string;
                            samples: number;
                            errors: components["schemas"]["ErrorTally"];
                            latencyMs: {
                                p50: number;
                                p90: number;
                                p99: number;
                            } | null;
                            /** @description Labelled predictions made in the bucket (feedback) */
                            labels: number;
                            correct: number;
                            features: {
                                [key: string]: {
                                    count: number;
                                    psi: number | null;
                                    /** @description KS statistic D (numeric features) */
                                    ks: number | null;
                                    /** @description Mean of the finite live values (numeric features) */
                                    mean: number | null;
                                    /** @description Live count per category (categorical features) */
                                    categories: {
                                        [key: string]: number;
                                    } | null;
                                };
                            };
                        }[];
                        distributions: {
                            [key: string]: components["schemas"]["FeatureDistribution"];
                        };
                    };
                };
            }[];
        };
        /** @description reference is null for a version without a profile */
        FeatureDistribution: {
            /** @enum {string} */
            kind: "numeric";
            edges: number[];
            reference: number[] | null;
            /** @description [below the first edge, ...bins, above the last edge] */
            live: number[];
        } | {
            /** @enum {string} */
            kind: "categorical";
            categories: string[];
            reference: number[] | null;
            live: number[];
        };
        FeedbackResponse: {
            model: string;
            matched: number;
            unknown: number;
            unlogged: number;
            duplicates: number;
        };
        /**
         * @example {
         *       "labels": [
         *         {
         *           "requestId": "9b2f6c1e-4d7a-4c55-9a1b-0e7f3c2d8a10",
         *           "label": "spam",
         *           "index": 0
         *         }
         *       ]
         *     }
         */
        FeedbackRequest: {
            labels: {
                requestId: string;
                label: string;
                /** @default 0 */
                index?: number;
                /** @description The vane-feedback-token header of the predict response (not needed with the admin token) */
                token?: string;
            }[];
        };
        AdminActionResult: {
            model: string;
            state: {
                name: string;
                active: number | null;
                /** @default [] */
                previous?: number[];
                /** @default null */
                candidate?: {
                    version: number;
                    /** @enum {string} */
                    mode: "shadow" | "canary";
                    share: number;
                    /** Format: date-time */
                    since: string;
                } | null;
                sampleRate?: number;
                /** @default false */
                pinned?: boolean;
                /** @default null */
                probation?: {
                    version: number;
                    /** Format: date-time */
                    promotedAt: string;
                    replaced: number | null;
                    /** @enum {string} */
                    by: "scheduler" | "admin";
                } | null;
                /** @default {} */
                policy?: {
                    lookbackHours?: number;
                    minSamples?: number;
                    minFeedback?: number;
                    minAccuracyGain?: number;
                    maxLatencyRatio?: number;
                    latencyFloorMs?: number;
                    driftPsi?: number;
                    maxQualityShare?: number;
                    probationHours?: number;
                    rollbackAccuracyDrop?: number;
                    maxErrorRate?: number;
                };
                /** @default [] */
                decisions?: {
                    audit: string;
                    /** Format: date-time */
                    at: string;
                    /** @enum {string} */
                    actor: "scheduler" | "admin";
                    action: string;
                    version: number | null;
                    reason: string;
                }[];
                /** @default [] */
                deliveries?: {
                    id: string;
                    payload: {
                        [key: string]: unknown;
                    };
                    attempts: number;
                    /** Format: date-time */
                    createdAt: string;
                    /** Format: date-time */
                    lastAttemptAt: string | null;
                    lastError: string | null;
                }[];
                /** @default [] */
                auditOutbox?: {
                    id: string;
                    model: string;
                    /** Format: date-time */
                    at: string;
                    /** @enum {string} */
                    actor: "scheduler" | "admin";
                    action: string;
                    version: number | null;
                    reason: string;
                    numbers: {
                        [key: string]: unknown;
                    };
                    before: {
                        active: number | null;
                        previous: number[];
                        candidate: {
                            version: number;
                            /** @enum {string} */
                            mode: "shadow" | "canary";
                            share: number;
                            /** Format: date-time */
                            since: string;
                        } | null;
                        pinned: boolean;
                        probation: {
                            version: number;
                            /** Format: date-time */
                            promotedAt: string;
                            replaced: number | null;
                            /** @enum {string} */
                            by: "scheduler" | "admin";
                        } | null;
                        policy: {
                            lookbackHours?: number;
                            minSamples?: number;
                            minFeedback?: number;
                            minAccuracyGain?: number;
                            maxLatencyRatio?: number;
                            latencyFloorMs?: number;
                            driftPsi?: number;
                            maxQualityShare?: number;
                            probationHours?: number;
                            rollbackAccuracyDrop?: number;
                            maxErrorRate?: number;
                        };
                        alert: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            features: string[];
                        } | null;
                        activeUnavailable: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            reason: string;
                        } | null;
                    };
                    after: {
                        active: number | null;
                        previous: number[];
                        candidate: {
                            version: number;
                            /** @enum {string} */
                            mode: "shadow" | "canary";
                            share: number;
                            /** Format: date-time */
                            since: string;
                        } | null;
                        pinned: boolean;
                        probation: {
                            version: number;
                            /** Format: date-time */
                            promotedAt: string;
                            replaced: number | null;
                            /** @enum {string} */
                            by: "scheduler" | "admin";
                        } | null;
                        policy: {
                            lookbackHours?: number;
                            minSamples?: number;
                            minFeedback?: number;
                            minAccuracyGain?: number;
                            maxLatencyRatio?: number;
                            latencyFloorMs?: number;
                            driftPsi?: number;
                            maxQualityShare?: number;
                            probationHours?: number;
                            rollbackAccuracyDrop?: number;
                            maxErrorRate?: number;
                        };
                        alert: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            features: string[];
                        } | null;
                        activeUnavailable: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            reason: string;
                        } | null;
                    };
                }[];
                /** @default null */
                alert?: {
                    version: number;
                    /** Format: date-time */
                    since: string;
                    features: string[];
                } | null;
                /** @default null */
                activeUnavailable?: {
                    version: number;
                    /** Format: date-time */
                    since: string;
                    reason: string;
                } | null;
                /** Format: date-time */
                updatedAt: string;
            };
            audit: {
                id: string;
                model: string;
                /** Format: date-time */
                at: string;
                /** @enum {string} */
                actor: "scheduler" | "admin";
                action: string;
                version: number | null;
                reason: string;
                numbers: {
                    [key: string]: unknown;
                };
                before: {
                    active: number | null;
                    previous: number[];
                    candidate: {
                        version: number;
                        /** @enum {string} */
                        mode: "shadow" | "canary";
                        share: number;
                        /** Format: date-time */
                        since: string;
                    } | null;
                    pinned: boolean;
                    probation: {
                        version: number;
                        /** Format: date-time */
                        promotedAt: string;
                        replaced: number | null;
                        /** @enum {string} */
                        by: "scheduler" | "admin";
                    } | null;
                    policy: {
                        lookbackHours?: number;
                        minSamples?: number;
                        minFeedback?: number;
                        minAccuracyGain?: number;
                        maxLatencyRatio?: number;
                        latencyFloorMs?: number;
                        driftPsi?: number;
                        maxQualityShare?: number;
                        probationHours?: number;
                        rollbackAccuracyDrop?: number;
                        maxErrorRate?: number;
                    };
                    alert: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        features: string[];
                    } | null;
                    activeUnavailable: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        reason: string;
                    } | null;
                };
                after: {
                    active: number | null;
                    previous: number[];
                    candidate: {
                        version: number;
                        /** @enum {string} */
                        mode: "shadow" | "canary";
                        share: number;
                        /** Format: date-time */
                        since: string;
                    } | null;
                    pinned: boolean;
                    probation: {
                        version: number;
                        /** Format: date-time */
                        promotedAt: string;
                        replaced: number | null;
                        /** @enum {string} */
                        by: "scheduler" | "admin";
                    } | null;
                    policy: {
                        lookbackHours?: number;
                        minSamples?: number;
                        minFeedback?: number;
                        minAccuracyGain?: number;
                        maxLatencyRatio?: number;
                        latencyFloorMs?: number;
                        driftPsi?: number;
                        maxQualityShare?: number;
                        probationHours?: number;
                        rollbackAccuracyDrop?: number;
                        maxErrorRate?: number;
                    };
                    alert: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        features: string[];
                    } | null;
                    activeUnavailable: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        reason: string;
                    } | null;
                };
            };
        };
        /**
         * @example {
         *       "name": "spam",
         *       "version": 1
         *     }
         */
        RegisterModel: {
            /** @example spam */
            name: string;
            version: number;
            /** @description Why, for the audit log */
            reason?: string;
        };
        AdminModel: {
            model: string;
            state: {
                name: string;
                active: number | null;
                /** @default [] */
                previous?: number[];
                /** @default null */
                candidate?: {
                    version: number;
                    /** @enum {string} */
                    mode: "shadow" | "canary";
                    share: number;
                    /** Format: date-time */
                    since: string;
                } | null;
                sampleRate?: number;
                /** @default false */
                pinned?: boolean;
                /** @default null */
                probation?: {
                    version: number;
                    /** Format: date-time */
                    promotedAt: string;
                    replaced: number | null;
                    /** @enum {string} */
                    by: "scheduler" | "admin";
                } | null;
                /** @default {} */
                policy?: {
                    lookbackHours?: number;
                    minSamples?: number;
                    minFeedback?: number;
                    minAccuracyGain?: number;
                    maxLatencyRatio?: number;
                    latencyFloorMs?: number;
                    driftPsi?: number;
                    maxQualityShare?: number;
                    probationHours?: number;
                    rollbackAccuracyDrop?: number;
                    maxErrorRate?: number;
                };
                /** @default [] */
                decisions?: {
                    audit: string;
                    /** Format: date-time */
                    at: string;
                    /** @enum {string} */
                    actor: "scheduler" | "admin";
                    action: string;
                    version: number | null;
                    reason: string;
                }[];
                /** @default [] */
                deliveries?: {
                    id: string;
                    payload: {
                        [key: string]: unknown;
                    };
                    attempts: number;
                    /** Format: date-time */
                    createdAt: string;
                    /** Format: date-time */
                    lastAttemptAt: string | null;
                    lastError: string | null;
                }[];
                /** @default [] */
                auditOutbox?: {
                    id: string;
                    model: string;
                    /** Format: date-time */
                    at: string;
                    /** @enum {string} */
                    actor: "scheduler" | "admin";
                    action: string;
                    version: number | null;
                    reason: string;
                    numbers: {
                        [key: string]: unknown;
                    };
                    before: {
                        active: number | null;
                        previous: number[];
                        candidate: {
                            version: number;
                            /** @enum {string} */
                            mode: "shadow" | "canary";
                            share: number;
                            /** Format: date-time */
                            since: string;
                        } | null;
                        pinned: boolean;
                        probation: {
                            version: number;
                            /** Format: date-time */
                            promotedAt: string;
                            replaced: number | null;
                            /** @enum {string} */
                            by: "scheduler" | "admin";
                        } | null;
                        policy: {
                            lookbackHours?: number;
                            minSamples?: number;
                            minFeedback?: number;
                            minAccuracyGain?: number;
                            maxLatencyRatio?: number;
                            latencyFloorMs?: number;
                            driftPsi?: number;
                            maxQualityShare?: number;
                            probationHours?: number;
                            rollbackAccuracyDrop?: number;
                            maxErrorRate?: number;
                        };
                        alert: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            features: string[];
                        } | null;
                        activeUnavailable: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            reason: string;
                        } | null;
                    };
                    after: {
                        active: number | null;
                        previous: number[];
                        candidate: {
                            version: number;
                            /** @enum {string} */
                            mode: "shadow" | "canary";
                            share: number;
                            /** Format: date-time */
                            since: string;
                        } | null;
                        pinned: boolean;
                        probation: {
                            version: number;
                            /** Format: date-time */
                            promotedAt: string;
                            replaced: number | null;
                            /** @enum {string} */
                            by: "scheduler" | "admin";
                        } | null;
                        policy: {
                            lookbackHours?: number;
                            minSamples?: number;
                            minFeedback?: number;
                            minAccuracyGain?: number;
                            maxLatencyRatio?: number;
                            latencyFloorMs?: number;
                            driftPsi?: number;
                            maxQualityShare?: number;
                            probationHours?: number;
                            rollbackAccuracyDrop?: number;
                            maxErrorRate?: number;
                        };
                        alert: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            features: string[];
                        } | null;
                        activeUnavailable: {
                            version: number;
                            /** Format: date-time */
                            since: string;
                            reason: string;
                        } | null;
                    };
                }[];
                /** @default null */
                alert?: {
                    version: number;
                    /** Format: date-time */
                    since: string;
                    features: string[];
                } | null;
                /** @default null */
                activeUnavailable?: {
                    version: number;
                    /** Format: date-time */
                    since: string;
                    reason: string;
                } | null;
                /** Format: date-time */
                updatedAt: string;
            };
            policy: {
                lookbackHours: number;
                minSamples: number;
                minFeedback: number;
                minAccuracyGain: number;
                maxLatencyRatio: number;
                latencyFloorMs: number;
                driftPsi: number;
                maxQualityShare: number;
                probationHours: number;
                rollbackAccuracyDrop: number;
                maxErrorRate: number;
            };
            evaluation: {
                [key: string]: unknown;
            } | null;
        };
        /**
         * @example {
         *       "version": 2,
         *       "mode": "shadow",
         *       "share": 1
         *     }
         */
        RegisterCandidate: {
            version: number;
            /**
             * @default shadow
             * @enum {string}
             */
            mode?: "shadow" | "canary";
            /** @default 0.1 */
            share?: number;
            /** @description Why, for the audit log */
            reason?: string;
        };
        /**
         * @example {
         *       "mode": "canary",
         *       "share": 0.05
         *     }
         */
        CandidateTraffic: {
            /** @enum {string} */
            mode?: "shadow" | "canary";
            share?: number;
            /** @description Why, for the audit log */
            reason?: string;
        } | unknown | unknown;
        Reason: {
            /** @description Why, for the audit log */
            reason?: string;
        };
        Promote: {
            /** @description Default: the candidate */
            version?: number;
            /** @description Why, for the audit log */
            reason?: string;
        };
        /**
         * @example {
         *       "version": 1
         *     }
         */
        Pin: {
            version: number;
            /** @description Why, for the audit log */
            reason?: string;
        };
        /**
         * @example {
         *       "policy": {
         *         "minFeedback": 50,
         *         "minAccuracyGain": 0.02
         *       }
         *     }
         */
        PolicyOverrides: {
            policy: {
                lookbackHours?: number;
                minSamples?: number;
                minFeedback?: number;
                minAccuracyGain?: number;
                maxLatencyRatio?: number;
                latencyFloorMs?: number;
                driftPsi?: number;
                maxQualityShare?: number;
                probationHours?: number;
                rollbackAccuracyDrop?: number;
                maxErrorRate?: number;
            };
            /** @description Why, for the audit log */
            reason?: string;
        };
        /**
         * @example {
         *       "sampleRate": 0.25
         *     }
         */
        SampleRate: {
            /** @description A share from 0 to 1; null restores the DRIFT_SAMPLE_RATE var */
            sampleRate: number | null;
            /** @description Why, for the audit log */
            reason?: string;
        };
        AuditPage: {
            model: string;
            records: {
                id: string;
                model: string;
                /** Format: date-time */
                at: string;
                /** @enum {string} */
                actor: "scheduler" | "admin";
                action: string;
                version: number | null;
                reason: string;
                numbers: {
                    [key: string]: unknown;
                };
                before: {
                    active: number | null;
                    previous: number[];
                    candidate: {
                        version: number;
                        /** @enum {string} */
                        mode: "shadow" | "canary";
                        share: number;
                        /** Format: date-time */
                        since: string;
                    } | null;
                    pinned: boolean;
                    probation: {
                        version: number;
                        /** Format: date-time */
                        promotedAt: string;
                        replaced: number | null;
                        /** @enum {string} */
                        by: "scheduler" | "admin";
                    } | null;
                    policy: {
                        lookbackHours?: number;
                        minSamples?: number;
                        minFeedback?: number;
                        minAccuracyGain?: number;
                        maxLatencyRatio?: number;
                        latencyFloorMs?: number;
                        driftPsi?: number;
                        maxQualityShare?: number;
                        probationHours?: number;
                        rollbackAccuracyDrop?: number;
                        maxErrorRate?: number;
                    };
                    alert: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        features: string[];
                    } | null;
                    activeUnavailable: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        reason: string;
                    } | null;
                };
                after: {
                    active: number | null;
                    previous: number[];
                    candidate: {
                        version: number;
                        /** @enum {string} */
                        mode: "shadow" | "canary";
                        share: number;
                        /** Format: date-time */
                        since: string;
                    } | null;
                    pinned: boolean;
                    probation: {
                        version: number;
                        /** Format: date-time */
                        promotedAt: string;
                        replaced: number | null;
                        /** @enum {string} */
                        by: "scheduler" | "admin";
                    } | null;
                    policy: {
                        lookbackHours?: number;
                        minSamples?: number;
                        minFeedback?: number;
                        minAccuracyGain?: number;
                        maxLatencyRatio?: number;
                        latencyFloorMs?: number;
                        driftPsi?: number;
                        maxQualityShare?: number;
                        probationHours?: number;
                        rollbackAccuracyDrop?: number;
                        maxErrorRate?: number;
                    };
                    alert: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        features: string[];
                    } | null;
                    activeUnavailable: {
                        version: number;
                        /** Format: date-time */
                        since: string;
                        reason: string;
                    } | null;
                };
            }[];
            cursor: string | null;
        };
        Examples: {
            model: string;
            version: number;
            window: string;
            from: string;
            keep: number | null;
            examples: {
                id: string;
                time: string;
                text: string;
                label?: string;
            }[];
        };
        /** @description One line of the JSON-lines body: a labelled instance */
        FeedbackDataRow: {
            requestId: string;
            index: number;
            /** Format: date-time */
            time: string;
            version: number;
            label: string;
            features?: {
                dims: number[];
                indices?: number[];
                values: number[];
            };
            instance?: unknown;
        };
    };
    responses: never;
    parameters: {
        /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
        RequestId: string;
    };
    requestBodies: never;
    headers: {
        /** @description The request's id: the caller's x-request-id, else a fresh UUID */
        RequestId: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Worker is up */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                        time: string;
                    };
                };
            };
            /** @description The x-request-id header breaks its pattern */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listModels: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Models with their active and candidate versions */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
            /** @description The x-request-id header breaks its pattern */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getModel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelDetail"];
                };
            };
            /** @description The name is not a model name */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    predict: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PredictRequest"];
                "image/png": string;
                "image/jpeg": string;
            };
        };
        responses: {
            /** @description Predictions */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The token feedback on this prediction must bring (sent when FEEDBACK_SECRET is set) */
                    "vane-feedback-token"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictResponse"];
                };
            };
            /** @description The body is malformed or does not fit the model */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The x-request-id already names a prediction of this model: send a new one */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is neither JSON nor a file type the model takes */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The model's outputs for this input are not finite numbers */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version cannot be loaded (missing, corrupt or broken) */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    predictWithVersion: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
                version: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PredictRequest"];
                "image/png": string;
                "image/jpeg": string;
            };
        };
        responses: {
            /** @description Predictions */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The token feedback on this prediction must bring (sent when FEEDBACK_SECRET is set) */
                    "vane-feedback-token"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictResponse"];
                };
            };
            /** @description The body is malformed or does not fit the model */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The x-request-id already names a prediction of this model: send a new one */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is neither JSON nor a file type the model takes */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The model's outputs for this input are not finite numbers */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version cannot be loaded (missing, corrupt or broken) */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDrift: {
        parameters: {
            query?: {
                /** @description Only this version */
                version?: number;
                /** @description How far back to look, at most the DRIFT_RETENTION_DAYS windows are kept (30 days by default) */
                window?: string;
            };
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Per-feature statistics of each version, per serving role, over the windows from `from` to `until` */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DriftReport"];
                };
            };
            /** @description Bad query, or a window shorter than one drift window or past the retention */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getHistory: {
        parameters: {
            query?: {
                /** @description Only this version */
                version?: number;
                /** @description How far back to look, at most the DRIFT_RETENTION_DAYS windows are kept (30 days by default) */
                window?: string;
                /** @description Length of one bucket, a whole number of drift windows (default: the smallest giving at most 96 buckets) */
                bucket?: string;
            };
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Buckets of whole drift windows from `from` to `until`, and each feature's distribution */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DriftHistory"];
                };
            };
            /** @description Bad query: a window or bucket shorter than one drift window, or too many buckets */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    sendFeedback: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FeedbackRequest"];
            };
        };
        responses: {
            /** @description How many labels were matched and counted */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackResponse"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A label's feedback token is missing or wrong, and no admin token was given */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A label is not one of the model's labels, or an index is past the batch */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage failed; the same call can be sent again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    registerModel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterModel"];
            };
        };
        responses: {
            /** @description Registered: the model's first state and its audit record */
            201: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The model is registered already: publish a candidate instead */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAdminModel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminModel"];
                };
            };
            /** @description The name is not a model name */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    setCandidateTraffic: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CandidateTraffic"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    registerCandidate: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterCandidate"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    withdrawCandidate: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["Reason"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    promote: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["Promote"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rollback: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["Reason"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pin: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Pin"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    unpin: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["Reason"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    setPolicy: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PolicyOverrides"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    setSampleRate: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SampleRate"];
            };
        };
        responses: {
            /** @description Done: the new state and its audit record */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminActionResult"];
                };
            };
            /** @description The body is malformed */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The action does not apply to the model's current state */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over the size limit */
            413: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The version does not exist or cannot be loaded */
            422: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The state stayed contended or storage failed: nothing changed, send it again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listAudit: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of records; pass `cursor` back for older ones */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description Bad name or query */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listExamples: {
        parameters: {
            query?: {
                /** @description Default: the active version */
                version?: number;
                /** @description How far back to look, at most the DRIFT_RETENTION_DAYS windows are kept (30 days by default) */
                window?: string;
                limit?: number;
            };
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A uniform sample of the inputs */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Examples"];
                };
            };
            /** @description Bad name or query */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportFeedbackData: {
        parameters: {
            query?: {
                /** @description Predictions made at or after (ISO 8601) */
                since?: string;
                /** @description Predictions made before (ISO 8601) */
                until?: string;
                /** @description Only rows of this version */
                version?: number;
                /** @description At most this many rows (the oldest first) */
                limit?: number;
            };
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One labelled instance per line, oldest prediction first (empty if none is kept) */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["FeedbackDataRow"];
                };
            };
            /** @description Bad name or query */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or wrong bearer token */
            401: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    /** @description The challenge */
                    "www-authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such model */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Storage failed; the same call can be sent again */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDashboard: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description The x-request-id header breaks its pattern */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDashboardFile: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path: {
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                    "text/css": string;
                };
            };
            /** @description The x-request-id header breaks its pattern */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such file */
            404: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: {
                /** @description The caller's id for the request, echoed back and used by feedback (a fresh UUID when left out); one that breaks the pattern is refused with 400 */
                "x-request-id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document, its server this deployment */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description The x-request-id header breaks its pattern */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected failure (the details are in the Worker's logs, never in the answer) */
            500: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
