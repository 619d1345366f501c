// Package suite holds what the tests of every cloud share: the harness that
// plans a stack under the recording mock, the resource types, and the tests
// that hold for every cloud (committed stacks, contract stacks, policies,
// delivery). It links no cloud SDK. Each cloud's test package (tests/aws,
// tests/gcp, tests/azure) links only its own cloud's stacks and runs these
// tests with Run: a plan of a cloud that is not linked skips, so each stack
// is tested in its cloud's binary and a change to one cloud's components
// relinks one cloud's tests (docs/development.md).
package suite

import (
	"os"
	"runtime/debug"
	"testing"
)

// Tests are the shared tests, run by each cloud's package with Run.
var Tests = []testing.InternalTest{
	{Name: "EveryCommittedStackReleasesInWavesTheWritersRegionLast", F: TestEveryCommittedStackReleasesInWavesTheWritersRegionLast},
	{Name: "EveryContractStackReleasesInWavesTheWritersRegionLast", F: TestEveryContractStackReleasesInWavesTheWritersRegionLast},
	{Name: "AReleaseChangesOnlyTheAppsResourcesInACommittedStack", F: TestAReleaseChangesOnlyTheAppsResourcesInACommittedStack},
	{Name: "AReleaseChangesOnlyTheAppsResourcesInAContractStack", F: TestAReleaseChangesOnlyTheAppsResourcesInAContractStack},
	{Name: "AFailingFirstWaveStartsNoLaterWave", F: TestAFailingFirstWaveStartsNoLaterWave},
	{Name: "MigrationsRunOnceInTheWritersRegionBeforeTheFirstWave", F: TestMigrationsRunOnceInTheWritersRegionBeforeTheFirstWave},
	{Name: "WorkersRunInEveryRegionAndAreReleasedAndWatchedLikeTheAPI", F: TestWorkersRunInEveryRegionAndAreReleasedAndWatchedLikeTheAPI},
	{Name: "BreakGlassOpensAWayInThatCloses", F: TestBreakGlassOpensAWayInThatCloses},
	{Name: "ScheduledJobsSurviveEveryRegionsLoss", F: TestScheduledJobsSurviveEveryRegionsLoss},
	{Name: "ScheduledRunsAlertWhenTheyFail", F: TestScheduledRunsAlertWhenTheyFail},
	{Name: "ThePullRequestSummarySaysWhichWavesAChangeRolls", F: TestThePullRequestSummarySaysWhichWavesAChangeRolls},
	{Name: "TheDeployPinsTheImageAndKeepsItsWindowOpenForEveryWave", F: TestTheDeployPinsTheImageAndKeepsItsWindowOpenForEveryWave},
	{Name: "EveryRegionsWAFTurnsAwayOutdatedAppsOnAWS", F: TestEveryRegionsWAFTurnsAwayOutdatedAppsOnAWS},
	{Name: "GoogleCloudAndAzureWAFsTurnAwayOutdatedApps", F: TestGoogleCloudAndAzureWAFsTurnAwayOutdatedApps},
	{Name: "RequiredAppHeadersRefuseOtherClientsButNotTheProbes", F: TestRequiredAppHeadersRefuseOtherClientsButNotTheProbes},
	{Name: "AWSAttestationCountsOrBlocksRequestsWithoutAValidWAFToken", F: TestAWSAttestationCountsOrBlocksRequestsWithoutAValidWAFToken},
	{Name: "GoogleCloudAttestationEvaluatesReCAPTCHAActionTokensFromKeysPerApp", F: TestGoogleCloudAttestationEvaluatesReCAPTCHAActionTokensFromKeysPerApp},
	{Name: "AzureAttestationRequiresTheHeaderAtFrontDoorAndTellsTheOriginToVerifyIt", F: TestAzureAttestationRequiresTheHeaderAtFrontDoorAndTellsTheOriginToVerifyIt},
	{Name: "AttestationOffAddsNothing", F: TestAttestationOffAddsNothing},
	{Name: "ProductionStacksGateAndPublishAndAreAdvisedToEnforceAttestation", F: TestProductionStacksGateAndPublishAndAreAdvisedToEnforceAttestation},
	{Name: "EveryProbeThroughTheEdgeAsksForTheExemptPath", F: TestEveryProbeThroughTheEdgeAsksForTheExemptPath},
	{Name: "BadConfigsExitTwoWithTheKeyNamed", F: TestBadConfigsExitTwoWithTheKeyNamed},
	{Name: "PlanCommandUsage", F: TestPlanCommandUsage},
	{Name: "EveryCompositeAlarmOfProdWaitsForItsMembers", F: TestEveryCompositeAlarmOfProdWaitsForItsMembers},
	{Name: "TheEdgeCacheFillAgentIsGrantedAfterTheSignedURLKeyThatCreatesIt", F: TestTheEdgeCacheFillAgentIsGrantedAfterTheSignedURLKeyThatCreatesIt},
	{Name: "AzureAppsAreBuiltFromTheDataTiersOutputsNotPredictedNames", F: TestAzureAppsAreBuiltFromTheDataTiersOutputsNotPredictedNames},
	{Name: "ContainerAppsEnvironmentsSitOnADelegatedSubnet", F: TestContainerAppsEnvironmentsSitOnADelegatedSubnet},
	{Name: "GoogleCloudStacksEnableEveryAPIFirstAndKeepItOnAtDestroy", F: TestGoogleCloudStacksEnableEveryAPIFirstAndKeepItOnAtDestroy},
	{Name: "CloudRunRefusesTheAWSPlaceholderSoTheGoogleCloudDefaultIsDockerHub", F: TestCloudRunRefusesTheAWSPlaceholderSoTheGoogleCloudDefaultIsDockerHub},
	{Name: "ContractOnlyStacksOfEveryCloudAndTopologyPassTheChecksBeyondTheMocks", F: TestContractOnlyStacksOfEveryCloudAndTopologyPassTheChecksBeyondTheMocks},
	{Name: "ThePlanJSONListsWhatEachResourceWaitsFor", F: TestThePlanJSONListsWhatEachResourceWaitsFor},
	{Name: "EveryCommittedStackPublishesItsRegionDirectoryFromEveryRegionsStore", F: TestEveryCommittedStackPublishesItsRegionDirectoryFromEveryRegionsStore},
	{Name: "TheDirectoryFollowsTheWriterAndTheGate", F: TestTheDirectoryFollowsTheWriterAndTheGate},
	{Name: "TheFourContractKeysMeetTheDefaultObjectivesOnEveryCloudAndTopology", F: TestTheFourContractKeysMeetTheDefaultObjectivesOnEveryCloudAndTopology},
	{Name: "NotifyOnlyLeavesThePromotionToAPersonOnEveryCloud", F: TestNotifyOnlyLeavesThePromotionToAPersonOnEveryCloud},
	{Name: "EveryTermOfEveryBudgetSaysWhereItsFigureComesFrom", F: TestEveryTermOfEveryBudgetSaysWhereItsFigureComesFrom},
	{Name: "EveryCommittedStackPassesEveryMandatoryPolicy", F: TestEveryCommittedStackPassesEveryMandatoryPolicy},
	{Name: "EachPolicyCatchesItsViolation", F: TestEachPolicyCatchesItsViolation},
	{Name: "WAFCountModeIsAdvisoryOutsideProductionAndMandatoryInIt", F: TestWAFCountModeIsAdvisoryOutsideProductionAndMandatoryInIt},
	{Name: "DefaultProvidersAreRefused", F: TestDefaultProvidersAreRefused},
	{Name: "RegionsMustBeAllowedAndFarEnoughApart", F: TestRegionsMustBeAllowedAndFarEnoughApart},
	{Name: "EveryRegionMustBeServedCheckedAndAlerted", F: TestEveryRegionMustBeServedCheckedAndAlerted},
	{Name: "PlanTreePrintsPolicyResults", F: TestPlanTreePrintsPolicyResults},
	{Name: "StatefulResourcesMustBeProtected", F: TestStatefulResourcesMustBeProtected},
	{Name: "ResilienceBudgetOfEachCommittedStack", F: TestResilienceBudgetOfEachCommittedStack},
	{Name: "SlowerDetectionRaisesTheRTOAndPastTheObjectiveFailsThePolicy", F: TestSlowerDetectionRaisesTheRTOAndPastTheObjectiveFailsThePolicy},
	{Name: "AnAzureStackMeetsTheDefaultObjectivesOnlyWithItsFailoverJob", F: TestAnAzureStackMeetsTheDefaultObjectivesOnlyWithItsFailoverJob},
	{Name: "AnyNumberOfAzureRegionsKeepsEveryRegionsUploads", F: TestAnyNumberOfAzureRegionsKeepsEveryRegionsUploads},
	{Name: "UnroutedAlertsAreAdvisoryOutsideProductionAndMandatoryInIt", F: TestUnroutedAlertsAreAdvisoryOutsideProductionAndMandatoryInIt},
	{Name: "EveryCloudHasAViolatingCaseForTheRulesThatJoinResources", F: TestEveryCloudHasAViolatingCaseForTheRulesThatJoinResources},
	{Name: "PolicyPackAdaptsEveryRuleWithItsSeverityForTheStack", F: TestPolicyPackAdaptsEveryRuleWithItsSeverityForTheStack},
	{Name: "PolicyPackReportsWhatThePlanReportsAfterAnUpdateAndInAFirstPreview", F: TestPolicyPackReportsWhatThePlanReportsAfterAnUpdateAndInAFirstPreview},
	{Name: "PolicyPackCatchesABrokenJoinEvenBeforeIdsAreKnown", F: TestPolicyPackCatchesABrokenJoinEvenBeforeIdsAreKnown},
	{Name: "EveryCommittedStackReportsTheLossOfEachRegion", F: TestEveryCommittedStackReportsTheLossOfEachRegion},
	{Name: "FailoverFiguresOfTheRegionLossTable", F: TestFailoverFiguresOfTheRegionLossTable},
	{Name: "EachRegionLossBreakIsCaughtWithItsMessage", F: TestEachRegionLossBreakIsCaughtWithItsMessage},
	{Name: "ThePasswordNeverAppearsInPlainText", F: TestThePasswordNeverAppearsInPlainText},
	{Name: "EveryCommittedStackPlansDeterministically", F: TestEveryCommittedStackPlansDeterministically},
	{Name: "ProdIsActiveActiveOnThreeRegionsWithProductionProtections", F: TestProdIsActiveActiveOnThreeRegionsWithProductionProtections},
	{Name: "ContractKeysAlonePlanForTwoThreeAndTheMostRegionsInEitherTopology", F: TestContractKeysAlonePlanForTwoThreeAndTheMostRegionsInEitherTopology},
	{Name: "EveryResourceUsesAnExplicitProviderOfItsRegion", F: TestEveryResourceUsesAnExplicitProviderOfItsRegion},
	{Name: "NoSecretOrDefaultProviderLeaksIntoThePlan", F: TestNoSecretOrDefaultProviderLeaksIntoThePlan},
	{Name: "TheArchitectureDiagramsAreWhatThePlanPrintsToday", F: TestTheArchitectureDiagramsAreWhatThePlanPrintsToday},
	{Name: "DiagramsDrawEveryRegionAndStandbysDashed", F: TestDiagramsDrawEveryRegionAndStandbysDashed},
	{Name: "SummaryShowsWhatEachRegionAddsAndTheReplicationPaths", F: TestSummaryShowsWhatEachRegionAddsAndTheReplicationPaths},
	{Name: "PaidDDoSProtectionIsOffByDefaultAndCoversEveryEntryPointWhenOn", F: TestPaidDDoSProtectionIsOffByDefaultAndCoversEveryEntryPointWhenOn},
	{Name: "EveryCommittedStackHasAMonthlyBudgetAlertingAtTheSameThresholds", F: TestEveryCommittedStackHasAMonthlyBudgetAlertingAtTheSameThresholds},
	{Name: "EveryTaggableResourceCarriesTheCostAllocationTags", F: TestEveryTaggableResourceCarriesTheCostAllocationTags},
	{Name: "EveryStackExportsTheSameOutputsContract", F: TestEveryStackExportsTheSameOutputsContract},
	{Name: "ReorderingRegionsMovesNoNetworkRange", F: TestReorderingRegionsMovesNoNetworkRange},
	{Name: "MovingTheWriterReplacesNothingStatefulInACommittedStack", F: TestMovingTheWriterReplacesNothingStatefulInACommittedStack},
	{Name: "MovingTheWriterReplacesNothingStatefulInAContractStack", F: TestMovingTheWriterReplacesNothingStatefulInAContractStack},
	{Name: "ARecoveryDuringAnOutageLeavesTheLostRegionAloneInACommittedStack", F: TestARecoveryDuringAnOutageLeavesTheLostRegionAloneInACommittedStack},
	{Name: "ARecoveryDuringAnOutageLeavesTheLostRegionAloneInAContractStack", F: TestARecoveryDuringAnOutageLeavesTheLostRegionAloneInAContractStack},
	{Name: "ThePlansRunbookNamesTheOutageKeysTheFenceAndWhatIsLeft", F: TestThePlansRunbookNamesTheOutageKeysTheFenceAndWhatIsLeft},
	{Name: "ARealAppsConfigurationReachesEveryRegionByReference", F: TestARealAppsConfigurationReachesEveryRegionByReference},
	{Name: "DecryptedAppSecretsNeverReachThePlanInPlainText", F: TestDecryptedAppSecretsNeverReachThePlanInPlainText},
	{Name: "AppConfigurationBreaksAreCaught", F: TestAppConfigurationBreaksAreCaught},
	{Name: "AnExistingSecretWithoutAReplicaInEveryRegionIsRefused", F: TestAnExistingSecretWithoutAReplicaInEveryRegionIsRefused},
}

// Cloudless are the shared tests that plan no stack (the workflows, the
// policy pack's files): this package's own test runs them, once, in a binary
// that links no cloud SDK.
var Cloudless = []testing.InternalTest{
	{Name: "TheProgramAndThePlanLinkEveryCloud", F: TestTheProgramAndThePlanLinkEveryCloud},
	{Name: "AffectedStacksFollowWhatAChangeTouches", F: TestAffectedStacksFollowWhatAChangeTouches},
	{Name: "TheFailoverDrillRunsOnEveryStagingStackAndNeverBesideADeploy", F: TestTheFailoverDrillRunsOnEveryStagingStackAndNeverBesideADeploy},
	{Name: "DeployWorkflowUpdatesEveryCommittedStackStagingBeforeProd", F: TestDeployWorkflowUpdatesEveryCommittedStackStagingBeforeProd},
	{Name: "PolicyPackProjectFileIsAGoPack", F: TestPolicyPackProjectFileIsAGoPack},
	{Name: "PolicyPackLoadsTheStackConfigTheEngineHandsIt", F: TestPolicyPackLoadsTheStackConfigTheEngineHandsIt},
}

// Run runs the shared tests as subtests.
func Run(t *testing.T) {
	for _, tc := range Tests {
		t.Run(tc.Name, tc.F)
	}
}

// gcPercent trades memory for time: the plans allocate many small values
// and are short-lived, so with the default GOGC=100 the run spent about a
// quarter of its CPU in the collector. At 400 it is about a quarter faster
// and peaks near 400 MB (docs/development.md). A GOGC set in the
// environment wins.
const gcPercent = 400

// Main is each cloud test package's TestMain.
func Main(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(m.Run())
}
