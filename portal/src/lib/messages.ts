// ElMessage / ElMessageBox are called from scripts, where the on-demand resolver cannot see them:
// their styles come with this module, imported by the screens that use them (not the login page).
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export { ElMessage, ElMessageBox } from 'element-plus'
