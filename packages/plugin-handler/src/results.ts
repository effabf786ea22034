/** The seed's result objects: failures are expected outcomes, returned with a message, never thrown. */
export type SaveResult = { success: true; id: number; message: string } | { success: false; message: string }
export type DeleteResult = { success: boolean; message: string }
export type InstallResult = { success: true; id: number; message: string } | { success: false; message: string; kind?: string }

export interface LoadPluginsResult {
  successes: number[]
  errors: { pluginId: number; error: string }[]
}
